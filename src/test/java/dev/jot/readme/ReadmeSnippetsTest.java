package dev.jot.readme;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's Java snippets cannot drift from the API: every {@code java} block of the README stands,
 * line for line and in order, in the user's project ({@code examples/user-project/.../ReadmeSnippets.java}),
 * which CI compiles against the installed artifact and runs ({@code examples/user-project/run.sh}).
 * Imports may stand anywhere above; the other lines of a block must follow each other (blank lines aside).
 */
class ReadmeSnippetsTest {
    private static final Path README = Path.of("README.md");
    private static final Path SNIPPETS = Path.of("examples/user-project/src/main/java/dev/jot/user/ReadmeSnippets.java");

    static List<List<String>> javaBlocks(List<String> lines) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> cur = null;
        for (String l : lines) {
            if (cur == null && l.strip().equals("```java")) {
                cur = new ArrayList<>();
            } else if (cur != null && l.strip().equals("```")) {
                blocks.add(cur);
                cur = null;
            } else if (cur != null) {
                cur.add(l);
            }
        }
        return blocks;
    }

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledByTheUsersProject() throws IOException {
        assertTrue(Files.isRegularFile(README) && Files.isRegularFile(SNIPPETS), "run from the repository's root");
        List<List<String>> blocks = javaBlocks(Files.readAllLines(README));
        assertTrue(blocks.size() >= 3, "the README has " + blocks.size() + " java blocks");
        List<String> code = Files.readAllLines(SNIPPETS).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (int b = 0; b < blocks.size(); b++) {
            List<String> body = new ArrayList<>();
            for (String l : blocks.get(b)) {
                String s = l.strip();
                if (s.isEmpty()) {
                    continue;
                }
                if (s.startsWith("import ")) {
                    if (!code.contains(s)) {
                        fail("README java block " + (b + 1) + ": '" + s + "' is not in " + SNIPPETS);
                    }
                } else {
                    body.add(s);
                }
            }
            if (java.util.Collections.indexOfSubList(code, body) < 0) {
                // say which line breaks the run
                int first = code.indexOf(body.get(0));
                String why = first < 0 ? "its first line '" + body.get(0) + "' is missing" : "it starts at line " + first;
                for (int k = 1; first >= 0 && k < body.size(); k++) {
                    if (first + k >= code.size() || !code.get(first + k).equals(body.get(k))) {
                        why = "line '" + body.get(k) + "' differs from '" + (first + k < code.size() ? code.get(first + k) : "") + "'";
                        break;
                    }
                }
                fail("README java block " + (b + 1) + " is not verbatim in " + SNIPPETS + ": " + why);
            }
        }
    }
}
