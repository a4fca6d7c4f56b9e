import json,collections,sys
d=json.load(open(sys.argv[1]))['recording']['events']
def dur(s):
    # ISO-8601 duration like PT0.001234S
    s=s[2:]; t=0.0
    if 'M' in s and not s.endswith('MS'):
        m,s=s.split('M'); t+=float(m)*60
    if s.endswith('S'): t+=float(s[:-1])
    return t
tot=collections.Counter(); cnt=collections.Counter(); lv=collections.Counter()
t0=None
for e in d:
    v=e['values']; m=v['method']; name=m['type']['name'].split('/')[-1]+'.'+m['name']
    lvl=v['compileLevel']; t=dur(v['duration'])
    lv[lvl]+=t
    if lvl==4:
        tot[name]+=t; cnt[name]+=1
print('by level', {k:round(x,2) for k,x in lv.items()})
print('C2 total %.2f s, %d compiles, methods %d, recompiled(>1) %d'%(sum(tot.values()),sum(cnt.values()),len(cnt),sum(1 for c in cnt.values() if c>1)))
for k,x in tot.most_common(25): print('%7.1f ms %3d %s'%(x*1000,cnt[k],k))
