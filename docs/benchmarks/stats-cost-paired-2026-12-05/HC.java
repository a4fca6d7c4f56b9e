import dev.strata.stats.LogHistogram;
public class HC { public static void main(String[] a) throws Exception {
  LogHistogram h = new LogHistogram();
  for (int r=0;r<6;r++){ long t0=System.nanoTime(); long s=0;
    for(int i=0;i<20_000_000;i++){ long st=System.nanoTime(); s+=i; h.record(System.nanoTime()-st);} 
    long t1=System.nanoTime(); System.out.println("timer pair + record: "+(t1-t0)/20_000_000.0+" ns/op");}
  for (int r=0;r<4;r++){ long t0=System.nanoTime(); 
    for(int i=0;i<20_000_000;i++){ h.record(i & 1023);} 
    long t1=System.nanoTime(); System.out.println("record only: "+(t1-t0)/20_000_000.0+" ns/op");}
}}
