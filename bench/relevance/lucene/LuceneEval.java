// Reference system for the known-item relevance benchmark: Lucene 8.
//
// usage (see ../lucene.sh, which compiles and runs this):
//   java -cp BUILD:LUCENE_JARS LuceneEval CORPUS.jsonl.gz QUERIES.tsv > results.tsv
//
// Indexes the corpus (JSONL, gzip, read with streaming decompression) into a
// ByteBuffersDirectory with one IndexWriter (256 MB RAM buffer) and
// BM25Similarity (defaults k1 = 1.2, b = 0.75):
//   id     StringField, stored
//   title  TextField
//   body   TextField, lead + "\n" + body
// all analyzed by StandardTokenizer -> LowerCaseFilter -> ASCIIFoldingFilter
// (ASCIIFoldingFilter removes Vietnamese marks and folds "đ" to "d").
//
// Each query of QUERIES.tsv (target_id TAB accented TAB plain, as
// make_queries.py writes it) runs in both forms through a MultiFieldQueryParser
// over title^3 and body, default operator OR, the text escaped with
// QueryParser.escape; top 10. Title weight 3 is the same as bm25(t, 3.0, 1.0)
// in the FTS5 reference (../fts5_eval.py).
//
// Output on stdout, one line per query per form:
//   lucene8 TAB FORM TAB QID TAB RANK TAB MS
// FORM is accented or plain, QID the 0-based query line, RANK the 1-based
// position of the target in the top 10 (0 if absent), MS the wall time of the
// search alone (parse + search + reading the 10 stored ids) in milliseconds.
// Progress and diagnostics go to stderr.

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Version;

public final class LuceneEval {
    static final String SYSTEM = "lucene8";
    static final float TITLE_BOOST = 3.0f; // same as bm25(t, 3.0, 1.0) in the FTS5 reference
    static final float BODY_BOOST = 1.0f;
    static final int TOP = 10;

    /** StandardTokenizer -> LowerCaseFilter -> ASCIIFoldingFilter, for indexing and queries. */
    static final class FoldingAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            Tokenizer source = new StandardTokenizer();
            TokenStream sink = new ASCIIFoldingFilter(new LowerCaseFilter(source));
            return new TokenStreamComponents(source, sink);
        }

        @Override
        protected TokenStream normalize(String fieldName, TokenStream in) {
            return new ASCIIFoldingFilter(new LowerCaseFilter(in));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LuceneEval CORPUS.jsonl.gz QUERIES.tsv");
            System.exit(2);
        }
        List<String[]> queries = readQueries(args[1]);
        Analyzer analyzer = new FoldingAnalyzer();
        BM25Similarity similarity = new BM25Similarity();

        long t0 = System.nanoTime();
        Directory dir = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig(analyzer)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setRAMBufferSizeMB(256)
                .setSimilarity(similarity);
        int docs = 0;
        try (IndexWriter writer = new IndexWriter(dir, config)) {
            docs = indexCorpus(args[0], writer);
            writer.commit();
        }
        DirectoryReader reader = DirectoryReader.open(dir);
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT,
                "lucene8: Lucene %s, indexed %d articles in %.1f s (including reading and decompressing the corpus)%n",
                Version.LATEST, docs, indexSeconds);

        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity);
        Map<String, Float> boosts = new HashMap<>();
        boosts.put("title", TITLE_BOOST);
        boosts.put("body", BODY_BOOST);

        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        String[] forms = {"accented", "plain"};
        for (int f = 0; f < forms.length; f++) {
            for (int qid = 0; qid < queries.size(); qid++) {
                String[] q = queries.get(qid);
                String target = q[0];
                String text = q[f + 1];
                String[] hits;
                long t = System.nanoTime();
                try {
                    // A parser per query: cheap, and keeps each query's cost self-contained.
                    MultiFieldQueryParser parser = new MultiFieldQueryParser(
                            new String[] {"title", "body"}, analyzer, boosts);
                    parser.setDefaultOperator(QueryParser.Operator.OR);
                    Query query = parser.parse(escape(text));
                    ScoreDoc[] top = searcher.search(query, TOP).scoreDocs;
                    hits = new String[top.length];
                    for (int i = 0; i < top.length; i++) {
                        hits[i] = searcher.doc(top[i].doc).get("id");
                    }
                } catch (ParseException | RuntimeException e) {
                    System.err.println("lucene8: query " + qid + " (" + forms[f] + ") " + text + " failed: " + e);
                    hits = new String[0];
                }
                double ms = (System.nanoTime() - t) / 1e6;
                int rank = 0;
                for (int i = 0; i < hits.length; i++) {
                    if (target.equals(hits[i])) {
                        rank = i + 1;
                        break;
                    }
                }
                out.printf(Locale.ROOT, "%s\t%s\t%d\t%d\t%.3f%n", SYSTEM, forms[f], qid, rank, ms);
            }
            out.flush();
            System.err.println("lucene8: " + forms[f] + ": " + queries.size() + " queries done");
        }
        out.flush();
        reader.close();
        dir.close();
    }

    /**
     * QueryParser.escape, plus a backslash before the operator words AND, OR
     * and NOT standing alone (escape leaves them as they are, and the parser
     * would take them as operators): every query word is a plain term.
     */
    static String escape(String text) {
        return QueryParser.escape(text).replaceAll("(?<=^|\\s)(AND|OR|NOT)(?=\\s|$)", "\\\\$1");
    }

    static List<String[]> readQueries(String path) throws IOException {
        List<String[]> queries = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty()) continue;
                String[] parts = line.split("\t", -1);
                if (parts.length != 3) {
                    System.err.println("lucene8: bad query line " + (queries.size() + 1) + ": " + line);
                    System.exit(1);
                }
                queries.add(parts);
            }
        }
        return queries;
    }

    /** Adds every well-formed line of the corpus; skips (and counts) malformed ones. */
    static int indexCorpus(String path, IndexWriter writer) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int docs = 0, bad = 0;
        long lineno = 0;
        try (ByteLines lines = new ByteLines(new GZIPInputStream(new FileInputStream(path), 1 << 16))) {
            ByteBuffer raw;
            while ((raw = lines.next()) != null) {
                lineno++;
                String line;
                try {
                    line = utf8.decode(raw).toString();
                } catch (CharacterCodingException e) {
                    bad++;
                    System.err.println("lucene8: skipping malformed line " + lineno + ": invalid UTF-8");
                    continue;
                }
                if (line.isBlank()) continue;
                Map<String, Object> a;
                try {
                    a = new Json(line).parseObjectLine();
                } catch (IllegalArgumentException e) {
                    bad++;
                    System.err.println("lucene8: skipping malformed line " + lineno + ": " + e.getMessage());
                    continue;
                }
                Object id = a.get("id");
                Object title = a.getOrDefault("title", "");
                Object lead = a.getOrDefault("lead", "");
                Object body = a.getOrDefault("body", "");
                if (title == null) title = "";
                if (lead == null) lead = "";
                if (body == null) body = "";
                if (!(id instanceof String) || !(title instanceof String)
                        || !(lead instanceof String) || !(body instanceof String)) {
                    bad++;
                    System.err.println("lucene8: skipping malformed line " + lineno + ": missing id or non-string field");
                    continue;
                }
                Document doc = new Document();
                doc.add(new StringField("id", (String) id, Field.Store.YES));
                doc.add(new TextField("title", (String) title, Field.Store.NO));
                doc.add(new TextField("body", lead + "\n" + body, Field.Store.NO));
                writer.addDocument(doc);
                docs++;
                if (docs % 10000 == 0) System.err.println("lucene8: " + docs + " articles");
            }
        }
        if (bad > 0) System.err.println("lucene8: " + bad + " malformed lines skipped");
        return docs;
    }

    /** Splits a byte stream on '\n'; each line is decoded on its own, so invalid UTF-8 spoils only its line. */
    static final class ByteLines implements AutoCloseable {
        private final InputStream in;
        private byte[] buf = new byte[1 << 20];
        private int start = 0, end = 0; // unread bytes are buf[start, end)
        private boolean eof = false;

        ByteLines(InputStream in) {
            this.in = in;
        }

        /** The next line without its '\n', or null at the end. Valid until the next call. */
        ByteBuffer next() throws IOException {
            int scan = start;
            while (true) {
                for (; scan < end; scan++) {
                    if (buf[scan] == '\n') {
                        ByteBuffer line = ByteBuffer.wrap(buf, start, scan - start);
                        start = scan + 1;
                        return line;
                    }
                }
                if (eof) {
                    if (start == end) return null;
                    ByteBuffer line = ByteBuffer.wrap(buf, start, end - start);
                    start = end;
                    return line;
                }
                // Make room: move the partial line to the front, grow if it fills the buffer.
                int len = end - start;
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, len);
                    scan -= start;
                    start = 0;
                    end = len;
                }
                if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) eof = true;
                else end += n;
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * A minimal strict JSON reader (the JDK has none): one object per line;
     * strings are returned as String, null as null, everything else
     * (numbers, booleans, arrays, nested objects) is validated and returned
     * as a placeholder Object. Throws IllegalArgumentException when malformed.
     */
    static final class Json {
        private static final Object OTHER = new Object();
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Map<String, Object> parseObjectLine() {
            ws();
            if (peek() != '{') throw err("not a JSON object");
            Map<String, Object> m = object();
            ws();
            if (i != s.length()) throw err("trailing characters");
            return m;
        }

        private IllegalArgumentException err(String what) {
            return new IllegalArgumentException(what + " at column " + (i + 1));
        }

        private char peek() {
            if (i >= s.length()) throw err("unexpected end of line");
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) throw err("expected '" + c + "'");
            i++;
        }

        private void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') i++;
                else break;
            }
        }

        private Map<String, Object> object() {
            expect('{');
            Map<String, Object> m = new HashMap<>();
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                String key = string();
                ws();
                expect(':');
                Object v = value();
                m.put(key, v); // last duplicate wins, as in Python's json
                ws();
                char c = peek();
                i++;
                if (c == '}') return m;
                if (c != ',') throw err("expected ',' or '}'");
            }
        }

        private Object value() {
            ws();
            char c = peek();
            if (c == '"') return string();
            if (c == '{') {
                object();
                return OTHER;
            }
            if (c == '[') {
                i++;
                ws();
                if (peek() == ']') {
                    i++;
                    return OTHER;
                }
                while (true) {
                    value();
                    ws();
                    char d = peek();
                    i++;
                    if (d == ']') return OTHER;
                    if (d != ',') throw err("expected ',' or ']'");
                }
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return OTHER;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return OTHER;
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            if (i == start) throw err("unexpected character");
            try {
                Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw err("bad number");
            }
            return OTHER;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == '"') return b.toString();
                if (c < 0x20) throw err("control character in string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = peek();
                i++;
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw err("short \\u escape");
                        try {
                            String hex = s.substring(i, i + 4);
                            if (!hex.matches("[0-9a-fA-F]{4}")) throw new NumberFormatException(hex);
                            b.append((char) Integer.parseInt(hex, 16));
                        } catch (NumberFormatException ex) {
                            throw err("bad \\u escape");
                        }
                        i += 4; // surrogate pairs come as two escapes and recombine in the String
                        break;
                    default:
                        throw err("bad escape");
                }
            }
        }
    }
}
