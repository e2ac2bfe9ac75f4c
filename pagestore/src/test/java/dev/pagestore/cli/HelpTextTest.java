package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every help text of every command formats: picocli passes descriptions through {@code String.format}, so a bare
 * {@code %} prints a warning and the raw text instead of the help.
 */
class HelpTextTest {
    @Test
    void shouldFormatEveryDescriptionOfEveryCommand() {
        List<CommandLine> commands = new ArrayList<>(List.of(PageStoreCli.commandLine()));
        for (int i = 0; i < commands.size(); i++) {
            CommandLine command = commands.get(i);
            for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
                if (!commands.contains(sub.getValue())) {
                    commands.add(sub.getValue());
                }
            }
            CommandSpec spec = command.getCommandSpec();
            List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
            for (ArgSpec arg : spec.args()) {
                texts.addAll(List.of(arg.description()));
            }
            for (String text : texts) {
                assertDoesNotThrow(() -> String.format(text), spec.qualifiedName() + ": " + text);
            }
        }
    }
}
