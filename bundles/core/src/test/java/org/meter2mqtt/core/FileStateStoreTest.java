package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTest {

    @TempDir
    Path dir;

    @Test
    void valuesSurviveAReload() {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.put("count", "42");
        s.put("note", "a=b: c\nd");
        s.flush();
        s.put("count", "43");
        s.put("gone", "x");
        s.flush();
        s.remove("gone");
        s.flush();
        assertThat(dir.resolve("d.properties.tmp")).doesNotExist();
        FileStateStore again = new FileStateStore(f);
        assertThat(again.get("count")).contains("43");
        assertThat(again.get("note")).contains("a=b: c\nd");
        assertThat(again.get("gone")).isEmpty();
    }

    @Test
    void aFlushAppendsOnlyWhatChanged() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        for (int i = 0; i < 2000; i++) {
            s.put("last.active.dc" + i, Long.toString(1_700_000_000_000L + i));
        }
        s.flush();
        long base = Files.size(f);
        long journal = Files.size(dir.resolve("d.journal"));
        s.put("last.active.dc7", "1800000000000");
        s.put("active.wh", "12345");
        s.flush();
        assertThat(Files.size(f)).isEqualTo(base);
        assertThat(Files.size(dir.resolve("d.journal")) - journal).isPositive().isLessThan(100);
        assertThat(new FileStateStore(f).get("last.active.dc7")).contains("1800000000000");
    }

    @Test
    void flushWritesOnlyWhenSomethingChanged() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.flush();
        assertThat(f).doesNotExist();
        s.put("k", "v");
        s.flush();
        long journal = Files.size(dir.resolve("d.journal"));
        s.put("k", "v");
        s.flush();
        assertThat(Files.size(dir.resolve("d.journal"))).isEqualTo(journal);
    }

    @Test
    void aTornJournalRecordLeavesTheStateBeforeIt() throws Exception {
        Path f = dir.resolve("d.properties");
        Path j = dir.resolve("d.journal");
        FileStateStore s = new FileStateStore(f);
        s.put("wh", "100");
        s.flush();
        s.put("wh", "101");
        s.flush();
        long good = Files.size(j);
        s.put("wh", "102");
        s.put("ts", "5");
        s.flush();
        // a kill in the middle of the last append: half of its record reached the disk
        long full = Files.size(j);
        try (FileChannel ch = FileChannel.open(j, StandardOpenOption.WRITE)) {
            ch.truncate(good + (full - good) / 2);
        }
        FileStateStore after = new FileStateStore(f);
        assertThat(after.get("wh")).contains("101");
        assertThat(after.get("ts")).isEmpty();
        // the next flush replaces the torn tail, and the one after it is found behind it
        after.put("wh", "103");
        after.flush();
        after.put("ts", "6");
        after.flush();
        FileStateStore third = new FileStateStore(f);
        assertThat(third.get("wh")).contains("103");
        assertThat(third.get("ts")).contains("6");
    }

    @Test
    void garbageAfterTheLastRecordIsIgnored() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.put("wh", "7");
        s.flush();
        s.put("wh", "8");
        s.flush();
        Files.write(dir.resolve("d.journal"), new byte[] { 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
                StandardOpenOption.APPEND);
        assertThat(new FileStateStore(f).get("wh")).contains("8");
    }

    @Test
    void aKillBetweenCompactionAndJournalResetDoesNotReplayOlderValues() throws Exception {
        Path f = dir.resolve("d.properties");
        Path j = dir.resolve("d.journal");
        FileStateStore s = new FileStateStore(f, 1);
        s.put("wh", "1");
        s.flush(); // compacts: base gen 1 and an empty journal
        byte[] oldJournal = null;
        for (int i = 2; i <= 50 && oldJournal == null; i++) {
            byte[] before = Files.readAllBytes(j);
            s.put("wh", Integer.toString(i));
            s.flush();
            if (!Files.readAllLines(f).get(0).equals("#gen=1")) {
                oldJournal = before; // this flush compacted: put its predecessor's journal back
            }
        }
        assertThat(oldJournal).as("a compaction happened").isNotNull();
        String now = s.get("wh").orElseThrow();
        Files.write(j, oldJournal);
        assertThat(new FileStateStore(f).get("wh")).contains(now);
    }

    @Test
    void theJournalIsCompactedBeforeItPassesItsBound() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        for (int i = 0; i < 4000; i++) {
            s.put("active.wh", Integer.toString(i));
            s.flush();
            assertThat(Files.size(dir.resolve("d.journal"))).isLessThanOrEqualTo(FileStateStore.MIN_COMPACT_BYTES);
        }
        assertThat(Files.readAllLines(f).get(0)).isNotEqualTo("#gen=1");
        assertThat(new FileStateStore(f).get("active.wh")).contains("3999");
    }

    @Test
    void aHalfWrittenTempFileIsIgnored() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f, 1);
        s.put("wh", "10");
        s.flush();
        Files.write(dir.resolve("d.properties.tmp"), "#gen=9\nwh=99".getBytes());
        assertThat(new FileStateStore(f).get("wh")).contains("10");
    }

    @Test
    void aFileWrittenBeforeTheJournalIsRead() throws Exception {
        Path f = dir.resolve("d.properties");
        Files.writeString(f, "#Tue Dec 01 10:00:00 UTC 2026\nactive.wh=1234\n");
        FileStateStore s = new FileStateStore(f);
        assertThat(s.get("active.wh")).contains("1234");
        s.put("active.wh", "1235");
        s.flush();
        assertThat(new FileStateStore(f).get("active.wh")).contains("1235");
    }

    @Test
    void aFolderThatCannotBeWrittenFailsTheFlushAndKeepsTheChangesUntilItCanAgain() throws Exception {
        Path folder = dir.resolve("state");
        Path f = folder.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.put("wh", "1");
        s.flush();
        // the folder replaced by a regular file: root ignores permissions, this it cannot get around
        Path aside = dir.resolve("state.aside");
        Files.move(folder, aside);
        Files.writeString(folder, "in the way");
        s.put("wh", "2");
        assertThatThrownBy(s::flush).isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot write " + folder.resolve("d.journal"));
        assertThat(s.hasPending()).isTrue();
        s.put("wh", "3");
        assertThatThrownBy(s::flush).isInstanceOf(UncheckedIOException.class);
        // the disk is back
        Files.delete(folder);
        Files.move(aside, folder);
        s.flush();
        assertThat(s.hasPending()).isFalse();
        assertThat(new FileStateStore(f).get("wh")).contains("3");
    }

    @Test
    void aNewEmptyFolderGetsTheWholeState() throws Exception {
        Path folder = dir.resolve("state");
        Path f = folder.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.put("a", "1");
        s.put("b", "1");
        s.flush();
        Files.move(folder, dir.resolve("lost"));
        Files.createDirectory(folder);
        s.put("b", "2");
        s.flush(); // no journal to append to: the whole state, not just b
        FileStateStore again = new FileStateStore(f);
        assertThat(again.get("a")).contains("1");
        assertThat(again.get("b")).contains("2");
    }

    @Test
    void anUnreadableFileIsKeptAsideNotOverwritten() throws Exception {
        Path f = dir.resolve("d.properties");
        Files.write(f, new byte[] { 'a', '=', '\\', 'u', 'z', 'z' }); // malformed \\u escape
        FileStateStore s = new FileStateStore(f);
        assertThat(s.snapshot()).isEmpty();
        assertThat(dir.resolve("d.properties.corrupt")).exists();
    }

    /**
     * A real kill -9 of a process that flushes two keys together as fast as it can (compacting often): whatever
     * moment it dies, the state read afterwards has both keys from the same flush.
     */
    @Test
    void aKilledWriterLeavesAConsistentState() throws Exception {
        Path f = dir.resolve("k.properties");
        for (int round = 0; round < 3; round++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), StateWriterMain.class.getName(), f.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long start = new FileStateStore(f).get("a").map(Long::parseLong).orElse(0L);
            while (System.nanoTime() < deadline
                    && new FileStateStore(f).get("a").map(Long::parseLong).orElse(0L) < start + 50) {
                Thread.sleep(20);
            }
            p.destroyForcibly(); // SIGKILL
            p.waitFor();
            FileStateStore after = new FileStateStore(f);
            assertThat(after.get("a")).isPresent();
            assertThat(Long.parseLong(after.get("a").get())).isGreaterThanOrEqualTo(start + 50);
            assertThat(after.get("b")).isEqualTo(after.get("a"));
        }
    }
}
