package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

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
        assertThat(dir.resolve("d.properties.tmp")).doesNotExist();
        FileStateStore again = new FileStateStore(f);
        assertThat(again.get("count")).contains("42");
        assertThat(again.get("note")).contains("a=b: c\nd");
    }

    @Test
    void flushWritesOnlyWhenSomethingChanged() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.flush();
        assertThat(f).doesNotExist();
        s.put("k", "v");
        s.flush();
        long modified = Files.getLastModifiedTime(f).toMillis();
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(modified - 10_000));
        s.put("k", "v");
        s.flush();
        assertThat(Files.getLastModifiedTime(f).toMillis()).isEqualTo(modified - 10_000);
    }

    @Test
    void anUnreadableFileIsKeptAsideNotOverwritten() throws Exception {
        Path f = dir.resolve("d.properties");
        Files.write(f, new byte[] { 'a', '=', '\\', 'u', 'z', 'z' }); // malformed \\u escape
        FileStateStore s = new FileStateStore(f);
        assertThat(s.snapshot()).isEmpty();
        assertThat(dir.resolve("d.properties.corrupt")).exists();
    }
}
