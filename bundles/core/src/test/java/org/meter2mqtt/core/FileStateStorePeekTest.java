package org.meter2mqtt.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStorePeekTest {

    @TempDir
    Path dir;

    @Test
    void peekSeesTheBaseAndTheJournalAndChangesNothing() throws Exception {
        Path f = dir.resolve("d.properties");
        FileStateStore s = new FileStateStore(f);
        s.put("count", "1");
        s.flush();
        s.put("count", "2");
        s.put("other", "x");
        s.flush();
        List<String> before = listing();
        assertThat(FileStateStore.peek(f)).containsEntry("count", "2").containsEntry("other", "x");
        assertThat(listing()).isEqualTo(before);
        s.put("count", "3");
        s.flush();
        assertThat(FileStateStore.peek(f)).containsEntry("count", "3");
    }

    @Test
    void anUnreadableStateFileIsReportedNotMovedAside() throws Exception {
        Path f = dir.resolve("d.properties");
        Files.write(f, new byte[] {'a', '=', '\\', 'u', '1'}); // a broken unicode escape: Properties refuses it
        assertThatThrownBy(() -> FileStateStore.peek(f)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot read");
        assertThat(f).exists();
        assertThat(listing()).containsExactly("d.properties:5");
    }

    private List<String> listing() throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName() + ":" + p.toFile().length()).sorted().toList();
        }
    }
}
