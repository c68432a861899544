// Reference system of the relevance suite: Lucene 8.
//
// usage (see ../lucene.sh, which compiles and runs this):
//   java -cp BUILD:LUCENE_JARS LuceneEval QUERIES.tsv [--related SEEDS.tsv]
//        CORPUS.jsonl[.gz] [CORPUS ...] > results.tsv
//
// Indexes the corpus files as one collection (JSONL, optionally gzip, read
// with streaming decompression) into a ByteBuffersDirectory with one
// IndexWriter (256 MB RAM buffer) and BM25Similarity (defaults k1 = 1.2,
// b = 0.75):
//   id     StringField, stored
//   title  TextField, stored (MoreLikeThis reads it back)
//   body   TextField, stored, lead + "\n" + body
// all analyzed by StandardTokenizer -> LowerCaseFilter -> ASCIIFoldingFilter
// (ASCIIFoldingFilter removes Vietnamese marks and folds "đ" to "d").
//
// Each query of QUERIES.tsv (INTENT TAB TARGETS TAB ACCENTED TAB PLAIN, as
// bench/relevance.sh assembles it) runs in both forms through a
// MultiFieldQueryParser over title^3 and body, default operator OR, the text
// escaped with QueryParser.escape; top 10. Title weight 3 is the same as
// bm25(t, 3.0, 1.0) in the FTS5 reference (../fts5_eval.py).
//
// "Tin khác" of each seed of SEEDS.tsv (GROUP TAB ID TAB ...): Lucene's
// MoreLikeThis with its defaults (min term freq 2, min doc freq 5, 25 query
// terms) over title and body, the seed left out; top 5.
//
// Output on stdout, one line per query per form, and per seed:
//   lucene8 TAB FORM TAB QID TAB MS TAB ID,ID,...
//   #related TAB lucene8-mlt TAB SEED TAB MS TAB ID,ID,...
// FORM is accented or plain, QID the 0-based query line, MS the wall time of
// the search alone (parse + search + reading the stored ids) in
// milliseconds, then the ids returned, best first (report.py judges them).
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
import org.apache.lucene.index.Term;
import org.apache.lucene.queries.mlt.MoreLikeThis;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Version;

public final class LuceneEval {
    static final String SYSTEM = "lucene8";
    static final float TITLE_BOOST = 3.0f; // same as bm25(t, 3.0, 1.0) in the FTS5 reference
    static final float BODY_BOOST = 1.0f;
    static final int TOP = 10;
    static final int RELATED = 5;

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
        List<String> corpora = new ArrayList<>();
        String seedsPath = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--related") && i + 1 < args.length) seedsPath = args[++i];
            else corpora.add(args[i]);
        }
        if (args.length < 2 || corpora.isEmpty()) {
            System.err.println("usage: LuceneEval QUERIES.tsv [--related SEEDS.tsv] CORPUS [CORPUS ...]");
            System.exit(2);
        }
        List<String[]> queries = readQueries(args[0]);
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
            for (String corpus : corpora) docs += indexCorpus(corpus, writer);
            writer.commit();
        }
        DirectoryReader reader = DirectoryReader.open(dir);
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT,
                "lucene8: Lucene %s, indexed %d articles in %.1f s (including reading and decompressing the corpus)%n",
                Version.LATEST, docs, indexSeconds);

        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity);
        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        runQueries(queries, searcher, analyzer, out);
        if (seedsPath != null) runRelated(readSeeds(seedsPath), reader, searcher, analyzer, out);
        out.flush();
        reader.close();
        dir.close();
    }

    static void runQueries(List<String[]> queries, IndexSearcher searcher, Analyzer analyzer,
                           PrintWriter out) throws IOException {
        Map<String, Float> boosts = new HashMap<>();
        boosts.put("title", TITLE_BOOST);
        boosts.put("body", BODY_BOOST);
        String[] forms = {"accented", "plain"};
        for (int f = 0; f < forms.length; f++) {
            for (int qid = 0; qid < queries.size(); qid++) {
                String text = queries.get(qid)[f + 2];
                List<String> hits = new ArrayList<>();
                long t = System.nanoTime();
                try {
                    // A parser per query: cheap, and keeps each query's cost self-contained.
                    MultiFieldQueryParser parser = new MultiFieldQueryParser(
                            new String[] {"title", "body"}, analyzer, boosts);
                    parser.setDefaultOperator(QueryParser.Operator.OR);
                    Query query = parser.parse(escape(text));
                    hits = ids(searcher, searcher.search(query, TOP).scoreDocs);
                } catch (ParseException | RuntimeException e) {
                    System.err.println("lucene8: query " + qid + " (" + forms[f] + ") " + text + " failed: " + e);
                }
                double ms = (System.nanoTime() - t) / 1e6;
                out.printf(Locale.ROOT, "%s\t%s\t%d\t%.3f\t%s%n", SYSTEM, forms[f], qid, ms,
                        String.join(",", hits));
            }
            out.flush();
            System.err.println("lucene8: " + forms[f] + ": " + queries.size() + " queries done");
        }
    }

    /** MoreLikeThis of each seed, as shipped (defaults), the seed itself excluded. */
    static void runRelated(List<String> seeds, DirectoryReader reader, IndexSearcher searcher,
                           Analyzer analyzer, PrintWriter out) throws IOException {
        MoreLikeThis mlt = new MoreLikeThis(reader);
        mlt.setAnalyzer(analyzer);
        mlt.setFieldNames(new String[] {"title", "body"});
        for (String seed : seeds) {
            List<String> hits = new ArrayList<>();
            long t = System.nanoTime();
            ScoreDoc[] self = searcher.search(new TermQuery(new Term("id", seed)), 1).scoreDocs;
            if (self.length > 0) {
                Query like = new BooleanQuery.Builder()
                        .add(mlt.like(self[0].doc), BooleanClause.Occur.SHOULD)
                        .add(new TermQuery(new Term("id", seed)), BooleanClause.Occur.MUST_NOT)
                        .build();
                hits = ids(searcher, searcher.search(like, RELATED).scoreDocs);
            }
            double ms = (System.nanoTime() - t) / 1e6;
            out.printf(Locale.ROOT, "#related\t%s-mlt\t%s\t%.3f\t%s%n", SYSTEM, seed, ms,
                    String.join(",", hits));
        }
        out.flush();
        System.err.println("lucene8: related: " + seeds.size() + " seeds done");
    }

    static List<String> ids(IndexSearcher searcher, ScoreDoc[] top) throws IOException {
        List<String> ids = new ArrayList<>();
        for (ScoreDoc d : top) ids.add(searcher.doc(d.doc).get("id"));
        return ids;
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
                if (parts.length != 4) {
                    System.err.println("lucene8: bad query line " + (queries.size() + 1) + ": " + line);
                    System.exit(1);
                }
                queries.add(parts);
            }
        }
        return queries;
    }

    static List<String> readSeeds(String path) throws IOException {
        List<String> seeds = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            String[] parts = line.split("\t", -1);
            if (parts.length >= 2) seeds.add(parts[1]);
        }
        return seeds;
    }

    /** Adds every well-formed line of the corpus; skips (and counts) malformed ones. */
    static int indexCorpus(String path, IndexWriter writer) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int docs = 0, bad = 0;
        long lineno = 0;
        InputStream in = new FileInputStream(path);
        if (path.endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        try (ByteLines lines = new ByteLines(in)) {
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
                doc.add(new TextField("title", (String) title, Field.Store.YES));
                doc.add(new TextField("body", lead + "\n" + body, Field.Store.YES));
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
