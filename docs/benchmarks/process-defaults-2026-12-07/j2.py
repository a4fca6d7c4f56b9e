# usage: jitc.py label jar workload [extra -p ...]: runs YCSB on a fresh copy of yc-base, prints ops/s and JIT CPU
import os,sys,time,subprocess,collections,re,shutil
label,jar,wl=sys.argv[1:4]; extra=sys.argv[4:]
base='/var/tmp/s30/yc-base' if 'strata' in label or True else None
rocks=label.startswith('rocks')
src=os.environ.get('BASE','/var/tmp/s30/rc-base' if rocks else '/var/tmp/s30/yc-base')
shutil.rmtree('/var/tmp/s31/yc',ignore_errors=True); shutil.copytree(src,'/var/tmp/s31/yc')
W='/work/main/strata-ycsb/workloads'
cmd=[os.environ.get('JAVA','java'),'-Xmx2g']+os.environ.get('JOPTS','').split()+['-cp',jar,'site.ycsb.Client','-t','-db',('dev.strata.ycsb.RocksDbClient' if rocks else 'dev.strata.ycsb.StrataClient'),'-P',W+'/workload'+wl,'-p',('rocksdb.dir=' if rocks else 'strata.dir=')+'/var/tmp/s31/yc','-p','recordcount=1000000','-p','operationcount=1000000','-threads','2']+extra
p=subprocess.Popen(cmd,stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
out=[]
import threading
threading.Thread(target=lambda:[out.append(l) for l in p.stdout],daemon=True).start()
last={}
while p.poll() is None:
    try:
        for t in os.listdir('/proc/%d/task'%p.pid):
            try:
                comm=open('/proc/%d/task/%s/comm'%(p.pid,t)).read().strip()
                st=open('/proc/%d/task/%s/stat'%(p.pid,t)).read()
                f=st[st.rfind(')')+2:].split()
                last[(t,comm)]=int(f[11])+int(f[12])
            except Exception: pass
    except Exception: pass
    time.sleep(0.05)
time.sleep(0.2)
g=collections.Counter()
for (t,c),v in last.items(): g[re.sub(r'[0-9]+$','',c)]+=v/100
s=''.join(out)
thr=re.search(r'\[OVERALL\], Throughput\(ops/sec\), ([0-9.]+)',s)
rd=re.search(r'\[READ\], AverageLatency\(us\), ([0-9.]+)',s)
ins=re.search(r'\[INSERT\], AverageLatency\(us\), ([0-9.]+)',s)
print('insert avg', ins.group(1) if ins else '?')
print('%-10s ops/s %8.0f  read avg %s  C2 %.2fs  C1 %.2fs  clients %.2fs  strata-bg %.2fs  gc %.2fs' % (label, float(thr.group(1)) if thr else 0, rd.group(1) if rd else '?', g['C2 CompilerThre'], g['C1 CompilerThre'], g['Thread-'], sum(v for k,v in g.items() if k.startswith('strata')), g['GC Thread#']+g['G1 Conc#']+g['G1 Refine#']), flush=True)
