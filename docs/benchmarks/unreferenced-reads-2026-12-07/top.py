import json,collections,sys
d=json.load(open(sys.argv[1])); pref=sys.argv[2]; n=int(sys.argv[3])
top=collections.Counter(); incl=collections.Counter(); k=0
for e in d['recording']['events']:
    v=e['values']; t=(v.get('sampledThread') or {}).get('javaName','?')
    if not t.startswith(pref): continue
    fr=v['stackTrace']['frames']; k+=1
    names=[f['method']['type']['name'].split('/')[-1]+'.'+f['method']['name'] for f in fr]
    top[names[0]]+=1
    for x in set(names): incl[x]+=1
print('samples',k)
for x,c in top.most_common(n): print(f'{100*c/k:5.1f} {x}')
