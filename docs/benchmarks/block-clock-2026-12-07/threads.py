import os,sys,time,subprocess,collections
cmd=sys.argv[1:]
out=open('/var/tmp/s30/run.out','w')
p=subprocess.Popen(cmd,stdout=subprocess.PIPE,stderr=subprocess.STDOUT,text=True,bufsize=1)
import threading
lines=[]
def rd():
    for l in p.stdout:
        lines.append(l); out.write(l); out.flush()
threading.Thread(target=rd,daemon=True).start()
def snap(pid):
    d=collections.Counter()
    try:
        for t in os.listdir('/proc/%d/task'%pid):
            try:
                comm=open('/proc/%d/task/%s/comm'%(pid,t)).read().strip()
                st=open('/proc/%d/task/%s/stat'%(pid,t)).read()
                f=st[st.rfind(')')+2:].split()
                d[(t,comm)]=int(f[11])+int(f[12])
            except Exception: pass
    except Exception: pass
    return d
snaps=[]
seen=0
last=snap(p.pid)
while p.poll() is None:
    s=snap(p.pid)
    if s: last=s
    while seen<len(lines):
        l=lines[seen]; seen+=1
        if l.startswith('strata ') or l.startswith('rocksdb '):
            snaps.append((l.split()[1],time.time(),last))
    time.sleep(0.1)
prev=None
def group(n):
    import re
    return re.sub(r'[0-9]+$','#',n)
for name,t,s in snaps:
    if prev:
        d=collections.Counter()
        for k,v in s.items():
            d[group(k[1])]+=v-prev[2].get(k,0)
        tot=sum(d.values())
        print('== %s  %.1fs wall, cpu %.1fs'%(name,t-prev[1],tot/100))
        for k,v in d.most_common(8): print('   %6.2fs %s'%(v/100,k))
    prev=(name,t,s)
d=collections.Counter()
for k,v in last.items(): d[group(k[1])]+=v
print('== final totals, cpu %.1fs'%(sum(d.values())/100))
for k,v in d.most_common(12): print('   %6.2fs %s'%(v/100,k))
