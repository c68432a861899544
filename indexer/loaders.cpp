// Article loaders: JSONL (plain or gzip) records, saved text pages and
// HTML pages (html_page.cpp).
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "html_page.h"
#include "indexer.h"
#include "indexer_internal.h"
#include "warc.h"

namespace tracuu {

bool internal::ends_sentence(std::string_view s) {
  static constexpr std::string_view kEnds[] = {".", "!", "?", "…", "\"", "”", ":", ";", ","};
  return std::any_of(std::begin(kEnds), std::end(kEnds), [&](std::string_view e) {
    return s.size() >= e.size() && s.substr(s.size() - e.size()) == e;
  });
}

std::size_t internal::word_count(std::string_view s, std::size_t cap) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word && ++n == cap) return n;
    in_word = !space;
  }
  return n;
}

bool internal::is_signature(std::string_view line) {
  return word_count(line, 7) <= 6 && line.size() <= 60 && !ends_sentence(line);
}

namespace {

using internal::ends_sentence;
namespace fs = std::filesystem;

constexpr std::size_t kMaxLineBytes = 8 << 20;  // a longer line is a broken export

// Text of a header line "Key: value" in a page, if `line` is one.
std::optional<std::string> header_value(const std::string& line, std::string_view key) {
  if (line.size() <= key.size() + 1) return std::nullopt;
  if (fold_diacritics(line.substr(0, key.size())) != key || line[key.size()] != ':')
    return std::nullopt;
  return trim_spaces(line.substr(key.size() + 1));
}

}  // namespace

namespace {

// The fields in which two readings of one record differ.
std::vector<std::string> differing_fields(const Article& x, const Article& y) {
  std::vector<std::string> names;
  const std::pair<const char*, std::string Article::*> fields[] = {
      {"title", &Article::title},   {"lead", &Article::lead},
      {"body", &Article::body},     {"caption", &Article::caption},
      {"author", &Article::author}, {"published", &Article::published},
      {"url", &Article::url},       {"category", &Article::category}};
  for (const auto& [name, field] : fields) {
    if (x.*field != y.*field) names.push_back(name);
  }
  if (x.tags != y.tags) names.push_back("tags");
  return names;
}

}  // namespace

namespace {

// A one-line field decoded: a no-break space there is a space ("lúc&nbsp11h"
// reads "lúc 11h"), and one at an end is trimmed.
std::string decoded_line(std::string_view text, bool entities = true) {
  std::string out = entities ? decode_html_entities(text) : std::string(text);
  for (std::size_t at = out.find("\xC2\xA0"); at != std::string::npos;
       at = out.find("\xC2\xA0", at))
    out.replace(at, 2, " ");
  return trim_spaces(out);
}

}  // namespace

void internal::decode_entities(Article& a, bool entities) {
  if (entities)
    for (std::string* text : {&a.lead, &a.body, &a.caption, &a.url})
      *text = decode_html_entities(*text);
  for (std::string* text : {&a.title, &a.author, &a.category})
    *text = decoded_line(*text, entities);
  for (std::string& tag : a.tags) tag = decoded_line(tag, entities);
}

Article parse_json_record(std::string_view line) {
  if (line.size() > kMaxLineBytes)
    throw RecordError("record too long (" + std::to_string(line.size()) + " bytes)");
  DecodedText text = read_vietnamese_text(line);
  if (text.invalid_sequences == 0) {
    Article a = article_from_json(text.utf8);
    a.encoding = text.encoding;
    internal::decode_entities(a);
    return a;
  }
  // UTF-8 reads the line best, but some bytes are not UTF-8 (a damaged
  // export, a field cut inside a letter). A second reading with another
  // replacement character differs exactly in the fields that hold them.
  Article a;
  try {
    a = article_from_json(text.utf8);
  } catch (const RecordError& e) {
    throw RecordError(std::string("invalid UTF-8, and ") + e.what());
  }
  const Article marked = article_from_json(replace_invalid_utf8(line, U'\uFFFC'));
  // The id is the key of the article: a guessed one would replace or keep
  // the wrong document.
  if (a.id != marked.id) throw RecordError("id: invalid UTF-8");
  a.invalid_utf8_fields = differing_fields(a, marked);
  internal::decode_entities(a);
  return a;
}

Article parse_text_page(std::string_view text, std::string default_id) {
  Article a;
  a.id = std::move(default_id);
  std::vector<std::string> blocks;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    line = trim_spaces(line);
    if (line.empty()) continue;
    if (is_page_chrome_line(line)) break;  // the rest of the page is furniture
    if (auto id = header_value(line, "id")) {
      a.id = *id;
    } else if (auto url = header_value(line, "url")) {
      a.url = *url;
    } else if (auto category = header_value(line, "chuyen muc")) {
      a.category = *category;
    } else {
      blocks.push_back(std::move(line));
    }
  }
  std::size_t i = 0;
  if (i < blocks.size()) {
    if (auto date = parse_date(blocks[i])) {
      a.published = date->iso();
      ++i;
    }
  }
  if (i < blocks.size()) a.title = blocks[i++];
  std::vector<std::string> rest(blocks.begin() + static_cast<std::ptrdiff_t>(i), blocks.end());
  // The author signs alone on the last line: a short name, no sentence punctuation.
  if (rest.size() >= 2 && internal::is_signature(rest.back())) {
    a.author = rest.back();
    rest.pop_back();
  }
  // A photo caption sits between title and body, and is not a sentence.
  if (rest.size() >= 2 && !ends_sentence(rest.front()) && rest.front().front() != '(') {
    a.caption = rest.front();
    rest.erase(rest.begin());
  }
  if (!rest.empty()) {
    a.lead = rest.front();
    for (std::size_t k = 1; k < rest.size(); ++k) a.body += (k > 1 ? "\n\n" : "") + rest[k];
  }
  internal::decode_entities(a);
  check_article(a);
  drop_unsafe_url(a);
  return a;
}

namespace {

struct Input {
  fs::path path;
  std::string page_id;  // path relative to the SOURCE folder
};

bool name_ends_with(const fs::path& p, std::string_view suffix) {
  std::string name = p.filename().string();
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_text_page(const fs::path& p) {
  return name_ends_with(p, ".txt");
}

bool is_html_page(const fs::path& p) {
  return name_ends_with(p, ".html") || name_ends_with(p, ".htm");
}

bool is_warc(const fs::path& p) {
  return name_ends_with(p, ".warc") || name_ends_with(p, ".warc.gz");
}

bool wanted(const fs::path& p) {
  return name_ends_with(p, ".jsonl") || name_ends_with(p, ".jsonl.gz") || is_text_page(p) ||
         is_html_page(p) || is_warc(p);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_html_type(std::string_view content_type) {
  const std::string type = ascii_lower(trim_spaces(content_type));
  return type.rfind("text/html", 0) == 0 || type.rfind("application/xhtml+xml", 0) == 0;
}

// The records of a WARC that may hold a page: HTTP responses and resources
// of HTML.
bool may_be_page(const WarcRecord& r) {
  if (r.type == "response") return ascii_lower(r.content_type).rfind("application/http", 0) == 0;
  return r.type == "resource" && is_html_type(r.content_type);
}

// Reads the inputs of load_sources in order and reports what it finds.
class SourceReader {
 public:
  explicit SourceReader(const SourceEvents& events) : events_(events) {}

  // Every input file under the SOURCEs, in order. A folder or an entry that
  // cannot be listed or read as a file is reported as unreadable (its
  // articles would be missing); a SOURCE that is neither a file nor a folder
  // is an error of the command line: std::runtime_error.
  std::vector<Input> list(const std::vector<std::string>& sources) {
    std::vector<Input> inputs;
    for (const std::string& source : sources) {
      fs::path root(source);
      std::error_code ec;
      fs::file_status status = fs::status(root, ec);
      if (fs::is_directory(status)) {
        std::vector<Input> found;
        list_folder(root, root, found);
        std::sort(found.begin(), found.end(),
                  [](const Input& x, const Input& y) { return x.path < y.path; });
        inputs.insert(inputs.end(), found.begin(), found.end());
      } else if (fs::is_regular_file(status)) {
        inputs.push_back({root, root.filename().generic_string()});
      } else if (fs::exists(status)) {
        throw std::runtime_error(source + ": not a regular file or folder");
      } else {
        throw std::runtime_error(source + ": no such file or folder");
      }
    }
    return inputs;
  }

  // Reads every input; false when cancelled.
  bool read(const std::vector<Input>& inputs) {
    for (const Input& input : inputs) {
      std::error_code ec;
      total_bytes_ += fs::file_size(input.path, ec);
    }
    for (const Input& input : inputs) {
      if (cancelled()) return false;
      bool finished = is_text_page(input.path)   ? read_page(input)
                      : is_html_page(input.path) ? read_html_page(input)
                      : is_warc(input.path)      ? read_warc(input)
                                                 : read_jsonl(input);
      if (!finished) return false;
      std::error_code ec;
      done_bytes_ += fs::file_size(input.path, ec);
      progress(0);
    }
    return true;
  }

 private:
  // Walks a folder itself (not recursive_directory_iterator) so that one
  // entry it cannot read is reported and skipped, not the end of the walk.
  // Symbolic links to folders are not followed, links to files are.
  void list_folder(const fs::path& root, const fs::path& folder, std::vector<Input>& found) {
    std::error_code ec;
    fs::directory_iterator it(folder, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& path = it->path();
      std::error_code link_ec;
      if (it->is_directory(link_ec) && !it->is_symlink(link_ec)) {
        list_folder(root, path, found);
        continue;
      }
      if (!wanted(path)) continue;
      std::error_code status_ec;
      fs::file_status status = fs::status(path, status_ec);
      if (status_ec) {
        unreadable(path.string(), 0, "cannot read: " + status_ec.message());
      } else if (!fs::is_regular_file(status)) {
        // A FIFO would block the run until something writes to it.
        unreadable(path.string(), 0, "not a regular file (a FIFO, socket or device): skipped");
      } else {
        found.push_back({path, fs::relative(path, root).generic_string()});
      }
    }
    if (ec) unreadable(folder.string(), 0, "cannot list the folder: " + ec.message());
  }

  // The bytes of a page file; nullopt (reported) when it cannot be read.
  std::optional<std::string> read_whole(const Input& input) {
    const std::string file = input.path.string();
    std::ifstream in(input.path, std::ios::binary);
    if (!in.is_open()) {
      unreadable(file, 0, std::string("cannot open: ") + std::strerror(errno));
      return std::nullopt;
    }
    // Whole blocks, not a character at a time through istreambuf_iterator
    // (docs/benchmarks.md, Ingest).
    std::string bytes;
    char block[1 << 16];
    while (in.read(block, sizeof block) || in.gcount() > 0)
      bytes.append(block, static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
      unreadable(file, 0, "read error");
      return std::nullopt;
    }
    return bytes;
  }

  bool read_page(const Input& input) {
    const std::string file = input.path.string();
    std::optional<std::string> bytes = read_whole(input);
    if (!bytes) return true;
    auto decoded = decode_vietnamese_text(*bytes);
    if (!decoded) {
      reject(file, 0, "not UTF-8 and not a known Vietnamese legacy encoding");
      return true;
    }
    try {
      Article a = parse_text_page(decoded->utf8, input.page_id);
      a.encoding = decoded->encoding;
      report_field_errors(file, 0, a);
      events_.article(std::move(a));
    } catch (const RecordError& e) {
      reject(file, 0, e.what());
    }
    return true;
  }

  // A page over the size limit is not read: what it holds is not an article.
  bool read_html_page(const Input& input) {
    const std::string file = input.path.string();
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(input.path, ec);
    if (!ec && size > kMaxHtmlPageBytes) {
      reject(file, 0,
             "page too large (" + std::to_string(size) + " bytes, limit " +
                 std::to_string(kMaxHtmlPageBytes) + ")");
      return true;
    }
    std::optional<std::string> bytes = read_whole(input);
    if (!bytes) return true;
    try {
      Article a = parse_html_page(*bytes, input.page_id);
      report_field_errors(file, 0, a);
      events_.article(std::move(a));
    } catch (const RecordError& e) {
      reject(file, 0, e.what());
    }
    return true;
  }

  // A web archive, record by record (warc.h). Pages are read as HTML pages
  // are, the record's WARC-Target-URI their URL when they name none; other
  // records are passed over. A record that is no page's is reported with
  // its number; a file cut short is unreadable from there. False when
  // cancelled.
  bool read_warc(const Input& input) {
    const std::string file = input.path.string();
    std::optional<WarcReader> reader;
    try {
      reader.emplace(file);
    } catch (const WarcError& e) {
      unreadable(file, 0, e.what());
      return true;
    }
    std::size_t passed_over = 0;
    const bool finished = read_warc_records(file, *reader, passed_over);
    if (passed_over > 0 && events_.passed_over) events_.passed_over(passed_over);
    return finished;
  }

  bool read_warc_records(const std::string& file, WarcReader& reader, std::size_t& passed_over) {
    while (true) {
      if (cancelled()) return false;
      std::optional<WarcRecord> record;
      try {
        record = reader.next(may_be_page, kMaxHtmlPageBytes + (64 << 10));
      } catch (const WarcError& e) {
        if (e.fatal) {
          unreadable(file, reader.records(), e.what());
          return true;
        }
        reject(file, reader.records(), e.what());
        continue;
      }
      if (!record) return true;
      if (!may_be_page(*record) || !read_warc_page(file, reader.records(), *record)) ++passed_over;
      progress(reader.compressed_offset());
    }
  }

  // False when the record holds no page (a redirect, an error, an image).
  bool read_warc_page(const std::string& file, std::size_t number, const WarcRecord& record) {
    if (record.block.empty() && record.length > 0) {
      reject(file, number,
             "page too large (" + std::to_string(record.length) + " bytes, limit " +
                 std::to_string(kMaxHtmlPageBytes) + ")");
      return true;
    }
    std::string_view page = record.block;
    std::optional<HttpResponse> response;
    if (record.type == "response") {
      response = parse_http_response(record.block);
      // Redirects, errors, images: not pages, passed over like other records.
      if (!response || response->status != 200 || !is_html_type(response->content_type))
        return false;
      if (response->compressed) {
        reject(file, number, "the page is compressed (Content-Encoding): not read");
        return true;
      }
      page = response->body;
    }
    try {
      Article a = parse_html_page(page, record.target_uri,
                                  response ? response->content_type : record.content_type);
      if (a.url.empty() && a.id == record.target_uri && is_web_url(a.id)) a.url = a.id;
      if (!newest_capture(a.id, record.date)) return true;
      a.captured = record.date.substr(0, 40);
      report_field_errors(file, number, a);
      events_.article(std::move(a));
    } catch (const RecordError& e) {
      reject(file, number, e.what());
    }
    return true;
  }

  // Whether a capture of `id` taken at `date` (WARC-Date, ISO 8601 in UTC:
  // compared as text) is newer than any read before: several captures of
  // one page are one article, the newest. An older capture after a newer
  // one is passed over; a newer one after an older replaces it (the job
  // keeps the last record of an id).
  bool newest_capture(const std::string& id, const std::string& date) {
    auto [it, fresh] = captures_.try_emplace(id, date);
    if (fresh) return true;
    if (date < it->second) return false;
    it->second = date;
    return true;
  }

  // JSONL, plain or gzip: zlib reads both. False when cancelled.
  bool read_jsonl(const Input& input) {
    const std::string file = input.path.string();
    std::unique_ptr<gzFile_s, decltype(&gzclose)> gz(gzopen(file.c_str(), "rb"), &gzclose);
    if (!gz) {
      unreadable(file, 0, std::string("cannot open: ") + std::strerror(errno));
      return true;
    }
    gzbuffer(gz.get(), 1 << 18);
    // Split on '\n' ourselves (gzgets would cut lines at a NUL byte).
    std::string pending;
    std::size_t line_no = 0;
    std::vector<char> buf(1 << 16);
    bool too_long = false;
    auto handle_line = [&](std::string& text) {
      ++line_no;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (too_long) {
        reject(file, line_no, "record too long (over " + std::to_string(kMaxLineBytes) + " bytes)");
      } else if (!trim_spaces(text).empty()) {
        try {
          Article a = parse_json_record(text);
          report_field_errors(file, line_no, a);
          events_.article(std::move(a));
        } catch (const RecordError& e) {
          reject(file, line_no, e.what());
        }
      }
      text.clear();
      too_long = false;
    };
    while (true) {
      int n = gzread(gz.get(), buf.data(), static_cast<unsigned>(buf.size()));
      if (n <= 0) break;
      const char* p = buf.data();
      const char* end = p + n;
      while (p < end) {
        const char* nl =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* stop = nl ? nl : end;
        if (pending.size() + static_cast<std::size_t>(stop - p) > kMaxLineBytes) {
          too_long = true;  // keep reading to the line end, but not the bytes
        } else {
          pending.append(p, stop);
        }
        if (!nl) break;
        if (cancelled()) return false;
        handle_line(pending);
        p = nl + 1;
      }
      progress(static_cast<std::uint64_t>(gzoffset(gz.get())));
    }
    int errnum = 0;
    const char* message = gzerror(gz.get(), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
      // A truncated gzip ends here: what was read counts, the cut line does not.
      unreadable(file, line_no + 1, std::string("read error: ") + message);
      return true;
    }
    if (!pending.empty() || too_long) {
      // A last line without its line end that is not a record is the sign
      // of a copy cut short: the file was not read to its real end.
      const std::size_t rejected_before = rejected_;
      handle_line(pending);
      if (rejected_ > rejected_before)
        unreadable(file, line_no, "the last line has no line end: the file may be cut short");
    }
    return true;
  }

  void reject(const std::string& file, std::size_t line, const std::string& reason) {
    ++rejected_;
    events_.rejected(file, line, reason);
  }
  void unreadable(const std::string& file, std::size_t line, const std::string& reason) {
    events_.unreadable(file, line, reason);
  }
  void report_field_errors(const std::string& file, std::size_t line, const Article& a) {
    if (!events_.field_error) return;
    for (const std::string& why : a.field_errors) events_.field_error(file, line, why);
  }
  bool cancelled() const { return events_.cancelled && events_.cancelled(); }
  void progress(std::uint64_t bytes_in_file) {
    if (events_.progress) events_.progress(done_bytes_ + bytes_in_file, total_bytes_);
  }

  const SourceEvents& events_;
  std::unordered_map<std::string, std::string> captures_;  // WARC pages: id → newest WARC-Date
  std::uint64_t total_bytes_ = 0, done_bytes_ = 0;
  std::size_t rejected_ = 0;
};

}  // namespace

void load_sources(const std::vector<std::string>& sources, const SourceEvents& events) {
  SourceReader reader(events);
  reader.read(reader.list(sources));
}

void load_sources(
    const std::vector<std::string>& sources, const std::function<void(Article&&)>& on_article,
    const std::function<void(const std::string&, std::size_t, const std::string&)>& on_error,
    const std::function<void(std::uint64_t, std::uint64_t)>& on_progress) {
  SourceEvents events;
  events.article = on_article;
  events.rejected = on_error;
  events.unreadable = on_error;
  events.progress = on_progress;
  load_sources(sources, events);
}

}  // namespace tracuu
