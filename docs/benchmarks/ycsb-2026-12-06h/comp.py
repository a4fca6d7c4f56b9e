import re,sys
pat=re.compile(r'compacted level (\d) into (\d) \((\w+), (\d+) \+ (\d+) input files, (\d+) bytes in, (\d+) output files, (\d+) bytes out.* in (\d+) ms')
tot=[0,0,0,0]
for f in sys.argv[1:]:
    n=bi=bo=ms=0; below=[]
    for line in open(f):
        m=pat.search(line)
        if m:
            n+=1; bi+=int(m.group(6)); bo+=int(m.group(8)); ms+=int(m.group(9))
            if m.group(1)!='0': below.append(int(m.group(5)))
    tot=[tot[0]+n,tot[1]+bi,tot[2]+bo,tot[3]+ms]
    print(f"{f}: {n} compactions, {bi/1e6:.0f} MB in, {bo/1e6:.0f} MB out, {ms} ms; next-level inputs of the level>0 picks {below}")
print(f"total: {tot[0]} compactions, {tot[1]/1e6:.0f} MB in, {tot[2]/1e6:.0f} MB out, {tot[3]} ms")
