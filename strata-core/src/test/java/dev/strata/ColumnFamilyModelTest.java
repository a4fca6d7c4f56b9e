package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.ModelChecks;
import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Column families against a model, and against themselves (metamorphic): random puts, deletes,
 * range deletions over clustered keys, merge operands and batches spread over up to four families
 * (each with its own memtable size, memtable kind, compression and merge operator: string append
 * in some, 8-byte counters in others), families created and dropped midway, flushes and
 * compactions of single families, snapshots across families and reopens. After every step group,
 * each family must read exactly as its model through every read path (get, multiGet with a handle
 * per key, keyMayExist, scans both ways, bounded scans, seeks) now and at the open snapshots; and
 * each family must equal a twin database that received only that family's operations, with the
 * twin's own default settings: sharing a WAL, workers and snapshots with other families changes
 * nothing a family reads.
 */
class ColumnFamilyModelTest {
  private static final int KEYS = 60;
  private static final String[] NAMES = {"a", "b", "c", "d"};

  @TempDir Path tmp;

  private static byte[] key(int i) {
    // Clustered: neighbouring indexes share long prefixes.
    return String.format("user/%04d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** A family's settings, decided once per name and seed. */
  private static ColumnFamilyOptions familyOptions(String name, long seed) {
    Random r = new Random(seed ^ name.hashCode());
    return ColumnFamilyOptions.builder()
        .memtable(r.nextBoolean() ? MemtableKind.SHARDED : MemtableKind.SKIPLIST)
        .memtableShards(1 << r.nextInt(4))
        .memtableSizeBytes(2048 + r.nextInt(8192))
        .compression(r.nextBoolean() ? Compression.LZ4 : Compression.NONE)
        .blockSizeBytes(256)
        .targetFileSizeBytes(4096)
        .maxBytesForLevelBase(16 * 1024)
        .level0CompactionTrigger(2)
        .mergeOperator(counters(name) ? MergeOperators.uint64Add() : MergeOperators.stringAppend((byte) ','))
        .build();
  }

  /** Whether family {@code name} merges 8-byte counters (else it appends strings). */
  private static boolean counters(String name) {
    return name.equals("b") || name.equals("d");
  }

  private static Options dbOptions(long seed) {
    Options.Builder b =
        Options.builder()
            .memtableSizeBytes(4096)
            .blockSizeBytes(256)
            .targetFileSizeBytes(4096)
            .maxBytesForLevelBase(16 * 1024)
            .level0CompactionTrigger(2)
            .mergeOperator(MergeOperators.stringAppend((byte) ','));
    for (String n : NAMES) {
      b.columnFamilyOptions(n, familyOptions(n, seed));
    }
    return b.build();
  }

  /** One operation of one family, applied alike to the database, the twin and the model. */
  private record Op(int kind, byte[] key, byte[] value) {
    void addTo(WriteBatch batch, ColumnFamilyHandle family) {
      switch (kind) {
        case 0 -> batch.put(family, key, value);
        case 1 -> batch.delete(family, key);
        case 2 -> batch.deleteRange(family, key, value);
        default -> batch.merge(family, key, value);
      }
    }

    void applyTo(ModelDb model, boolean counters) {
      switch (kind) {
        case 0 -> model.put(key, value);
        case 1 -> model.delete(key);
        case 2 -> model.deleteRange(key, value);
        default -> {
          if (counters) {
            model.addUint64(key, value);
          } else {
            model.appendMerge(key, value, (byte) ',');
          }
        }
      }
    }
  }

  private static Op randomOp(Random rnd, boolean counters, int serial) {
    int r = rnd.nextInt(100);
    int k = rnd.nextInt(KEYS);
    if (r < 50) {
      byte[] value =
          counters
              ? MergeOperators.uint64(rnd.nextInt(1000))
              : ("v" + serial + "-" + "x".repeat(rnd.nextInt(40))).getBytes(StandardCharsets.UTF_8);
      return new Op(0, key(k), value);
    } else if (r < 65) {
      return new Op(1, key(k), null);
    } else if (r < 70) {
      int end = Math.min(KEYS, k + 1 + rnd.nextInt(8));
      return new Op(2, key(k), key(end));
    }
    byte[] operand =
        counters
            ? MergeOperators.uint64(1 + rnd.nextInt(5))
            : ("m" + serial).getBytes(StandardCharsets.UTF_8);
    return new Op(3, key(k), operand);
  }

  /** A family's model and its twin database. */
  private final class Family {
    final String name;
    final ModelDb model = new ModelDb();
    final StrataDB twin;

    Family(String name, long seed, int generation) {
      this.name = name;
      ColumnFamilyOptions o = familyOptions(name, seed);
      this.twin =
          StrataDB.open(
              tmp.resolve("twin-" + name + "-" + generation),
              Options.builder().mergeOperator(o.mergeOperator()).build());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void families_readAsTheirModels_andAsTwinsThatHoldOnlyTheirWrites(int run) {
    long seed = Seeds.seed("ColumnFamilyModelTest." + run);
    Random rnd = new Random(seed);
    Path dir = tmp.resolve("db");
    StrataDB db = StrataDB.open(dir, dbOptions(seed));
    Map<String, Family> live = new HashMap<>();
    int generation = 0;
    List<StrataDB> twins = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        String n = NAMES[i];
        db.createColumnFamily(n, familyOptions(n, seed));
        Family f = new Family(n, seed, generation++);
        twins.add(f.twin);
        live.put(n, f);
      }
      int serial = 0;
      for (int step = 0; step < 40; step++) {
        String where = "seed " + seed + " step " + step;
        // A group of writes, most of them batches spreading over the live families.
        for (int w = 0; w < 25; w++) {
          WriteBatch batch = new WriteBatch();
          Map<Family, List<Op>> byFamily = new HashMap<>();
          int n = 1 + rnd.nextInt(4);
          for (int j = 0; j < n; j++) {
            List<String> names = new ArrayList<>(live.keySet());
            java.util.Collections.sort(names);
            Family f = live.get(names.get(rnd.nextInt(names.size())));
            Op op = randomOp(rnd, counters(f.name), serial++);
            op.addTo(batch, db.columnFamily(f.name));
            byFamily.computeIfAbsent(f, k -> new ArrayList<>()).add(op);
          }
          db.write(batch);
          for (Map.Entry<Family, List<Op>> e : byFamily.entrySet()) {
            WriteBatch twinBatch = new WriteBatch();
            for (Op op : e.getValue()) {
              op.addTo(twinBatch, null);
              op.applyTo(e.getKey().model, counters(e.getKey().name));
            }
            e.getKey().twin.write(twinBatch);
          }
        }
        int r = rnd.nextInt(10);
        List<String> names = new ArrayList<>(live.keySet());
        java.util.Collections.sort(names);
        String some = names.get(rnd.nextInt(names.size()));
        if (r == 0 && live.size() < NAMES.length) {
          for (String n : NAMES) {
            if (!live.containsKey(n)) {
              db.createColumnFamily(n, familyOptions(n, seed));
              Family f = new Family(n, seed, generation++);
              twins.add(f.twin);
              live.put(n, f);
              break;
            }
          }
        } else if (r == 1 && live.size() > 1) {
          db.dropColumnFamily(db.columnFamily(some));
          live.remove(some);
        } else if (r == 2) {
          db.flush(db.columnFamily(some));
        } else if (r == 3) {
          db.compactRange(db.columnFamily(some), null, null);
        } else if (r == 4) {
          db.close();
          db = StrataDB.open(dir, dbOptions(seed));
        }
        // A snapshot across families, checked after more writes.
        Snapshot snap = rnd.nextInt(3) == 0 ? db.getSnapshot() : null;
        Map<String, NavigableMap<byte[], byte[]>> atSnap = new HashMap<>();
        if (snap != null) {
          for (Family f : live.values()) {
            atSnap.put(f.name, f.model.snapshot());
          }
          for (int w = 0; w < 10; w++) {
            Family f = live.get(some);
            if (f == null) {
              break;
            }
            Op op = randomOp(rnd, counters(f.name), serial++);
            WriteBatch b1 = new WriteBatch();
            op.addTo(b1, db.columnFamily(f.name));
            db.write(b1);
            WriteBatch b2 = new WriteBatch();
            op.addTo(b2, null);
            f.twin.write(b2);
            op.applyTo(f.model, counters(f.name));
          }
        }
        assertThat(db.listColumnFamilies()).hasSize(live.size() + 1);
        for (Family f : live.values()) {
          ColumnFamilyHandle h = db.columnFamily(f.name);
          ModelChecks.checkAll(
              db, h, f.model.view(), ReadOptions.DEFAULT, KEYS, ColumnFamilyModelTest::key,
              where + " family " + f.name);
          assertThat(ModelChecks.scan(db, h, ReadOptions.DEFAULT, true))
              .as("%s family %s against its twin", where, f.name)
              .isEqualTo(ModelChecks.scan(f.twin, ReadOptions.DEFAULT, true));
          if (snap != null && atSnap.containsKey(f.name)) {
            ModelChecks.checkAll(
                db, h, atSnap.get(f.name), ReadOptions.builder().snapshot(snap).build(), KEYS,
                ColumnFamilyModelTest::key, where + " family " + f.name + " at the snapshot");
          }
        }
        if (snap != null) {
          snap.close();
        }
      }
    } finally {
      db.close();
      for (StrataDB t : twins) {
        t.close();
      }
    }
  }
}
