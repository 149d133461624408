package org.meter2mqtt.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** meter:set edits the user's file in place: comments, order and spacing stay. */
class CfgFilesTest {

    private static final String COMMENTED = String.join("\n",
            "# Kitchen meter, installed 2026-03 by J.",
            "driver = demo",
            "",
            "# how often to read it",
            "poll.interval=30",
            "name:Kitchen",
            "   base.load   =   800",
            "! old style comment",
            "channels = energy_import,\\",
            "           power",
            "enabled = true",
            "");

    @Test
    void changingAKeyKeepsEveryOtherLineByteForByte() {
        String out = CfgFiles.edit(COMMENTED, Map.of("poll.interval", "10"));
        assertThat(out).isEqualTo(COMMENTED.replace("poll.interval=30", "poll.interval=10"));
    }

    @Test
    void theTextBeforeTheValueIsKeptWhateverTheSeparator() {
        String out = CfgFiles.edit(COMMENTED, Map.of("base.load", "950", "name", "Keuken"));
        assertThat(out).contains("\n   base.load   =   950\n").contains("\nname:Keuken\n");
    }

    @Test
    void anEmptyValueRemovesTheKeyAndAContinuedValueIsReplacedWhole() {
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("enabled", "");
        changes.put("channels", "power");
        String out = CfgFiles.edit(COMMENTED, changes);
        assertThat(out).doesNotContain("enabled").contains("\nchannels = power\n! old style comment".replace(
                "\nchannels = power\n! old style comment", "\nchannels = power\n"))
                .doesNotContain("energy_import").contains("# how often to read it\n");
    }

    @Test
    void newKeysAreAppendedAndTheFileReadsBackAsTheGatewaySeesIt() throws Exception {
        String out = CfgFiles.edit(COMMENTED, Map.of("port", "socket://10.0.0.5:2000", "poll.interval", "5"));
        assertThat(out).startsWith(COMMENTED.substring(0, COMMENTED.indexOf("poll.interval")))
                .endsWith("port = socket://10.0.0.5:2000\n");
        Properties p = new Properties();
        p.load(new StringReader(out));
        assertThat(p).containsEntry("port", "socket://10.0.0.5:2000").containsEntry("poll.interval", "5")
                .containsEntry("channels", "energy_import,power").containsEntry("base.load", "800")
                .containsEntry("name", "Kitchen");
    }

    @Test
    void valuesWithBackslashesAndLeadingBlanksSurviveARoundTrip() throws Exception {
        String out = CfgFiles.edit("driver = demo\n", Map.of("name", " C:\\meters #1 = a"));
        Properties p = new Properties();
        p.load(new StringReader(out));
        assertThat(p.getProperty("name")).isEqualTo(" C:\\meters #1 = a");
    }

    @Test
    void windowsLineEndsStayWindowsLineEnds() {
        String out = CfgFiles.edit("# x\r\ndriver = demo\r\npoll.interval = 30\r\n", Map.of("poll.interval", "60"));
        assertThat(out).isEqualTo("# x\r\ndriver = demo\r\npoll.interval = 60\r\n");
    }

    @Test
    void replaceRewritesTheFileAtomicallyInPlace(@TempDir Path etc) throws Exception {
        CfgFiles files = new CfgFiles(etc);
        Files.writeString(files.file("kitchen"), COMMENTED);
        files.replace("kitchen", CfgFiles.edit(files.readText("kitchen"), Map.of("poll.interval", "10")));
        assertThat(Files.readString(files.file("kitchen")))
                .isEqualTo(COMMENTED.replace("poll.interval=30", "poll.interval=10"));
        try (var s = Files.list(etc)) {
            assertThat(s).containsExactly(files.file("kitchen"));
        }
    }
}
