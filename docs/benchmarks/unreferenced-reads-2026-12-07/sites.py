import json,collections,sys
d=json.load(open(sys.argv[1])); pref=sys.argv[2]; n=int(sys.argv[3]); depth=int(sys.argv[4]) if len(sys.argv)>4 else 5
ev=d['recording']['events']; c=collections.Counter(); tot=0
for e in ev:
    v=e['values']; t=(v.get('eventThread') or {}).get('javaName','?')
    if not t.startswith(pref): continue
    w=v['weight']; tot+=w
    fr=v['stackTrace']['frames'] if v.get('stackTrace') else []
    names=[f['method']['type']['name'].split('.')[-1].split('/')[-1]+'.'+f['method']['name'] for f in fr]
    c[v['objectClass']['name'].split('.')[-1]+' @ '+' < '.join(names[:depth])]+=w
print('total MB %.1f'%(tot/1e6))
for k,v in c.most_common(n): print(f'{v/1e6:9.1f} {k}')
