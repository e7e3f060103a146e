import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * One summary line for a pass of bin/test, read from Surefire's XML reports:
 * {@code <label>: N passed, N failed, N skipped} and, below it, the classes with skipped tests and why.
 * Run as {@code java bin/TestSummary.java target/surefire-reports LABEL}; exits 1 when no report is found.
 */
public class TestSummary {
    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        String label = args.length > 1 ? args[1] : "tests";
        File[] files = dir.listFiles((d, name) -> name.startsWith("TEST-") && name.endsWith(".xml"));
        if (files == null || files.length == 0) {
            System.out.println(label + ": no test reports in " + dir);
            System.exit(1);
        }
        long tests = 0, failed = 0, skipped = 0;
        Map<String, Integer> skippedByClass = new TreeMap<>();
        Map<String, String> why = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        var factory = DocumentBuilderFactory.newInstance();
        for (File f : files) {
            Document doc = factory.newDocumentBuilder().parse(f);
            NodeList cases = doc.getElementsByTagName("testcase");
            for (int k = 0; k < cases.getLength(); k++) {
                Element c = (Element) cases.item(k);
                String cls = c.getAttribute("classname");
                String simple = cls.substring(cls.lastIndexOf('.') + 1);
                tests++;
                if (c.getElementsByTagName("failure").getLength() + c.getElementsByTagName("error").getLength() > 0) {
                    failed++;
                    failures.add(simple + "." + c.getAttribute("name"));
                } else if (c.getElementsByTagName("skipped").getLength() > 0) {
                    skipped++;
                    skippedByClass.merge(simple, 1, Integer::sum);
                    Element sk = (Element) c.getElementsByTagName("skipped").item(0);
                    String msg = sk.getAttribute("message");
                    if (msg == null || msg.isBlank()) {
                        // an assumption that failed: its message is the first line of the text
                        msg = sk.getTextContent().lines().findFirst().orElse("").replaceFirst("^[\\w.]+TestAbortedException: ", "");
                    }
                    why.putIfAbsent(simple, msg.isBlank() ? "disabled" : msg);
                }
            }
        }
        System.out.println(label + ": " + (tests - failed - skipped) + " passed, " + failed + " failed, " + skipped + " skipped");
        for (var e : skippedByClass.entrySet()) {
            String w = why.get(e.getKey());
            System.out.println("   skipped in " + e.getKey() + ": " + e.getValue() + " (" + (w.length() > 120 ? w.substring(0, 117) + "..." : w) + ")");
        }
        for (String f : failures) {
            System.out.println("   FAILED " + f);
        }
    }
}
