// Article loaders: JSONL (plain or gzip) records and saved text pages.
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "indexer.h"

namespace tracuu {
namespace {

namespace fs = std::filesystem;

// Field size limits: larger values are a broken export, not an article.
constexpr std::size_t kMaxLineBytes = 8 << 20;
struct FieldLimit {
  const char* name;
  std::size_t max_bytes;
};
constexpr FieldLimit kLimits[] = {{"id", 200},       {"title", 2000},   {"lead", 20000},
                                  {"body", 4 << 20}, {"author", 300},   {"published", 100},
                                  {"url", 2000},     {"category", 100}, {"caption", 2000}};
constexpr std::size_t kMaxTags = 50, kMaxTagBytes = 100;

std::string optional_string(const nlohmann::json& j, const FieldLimit& limit) {
  auto it = j.find(limit.name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) {
    throw RecordError(std::string(limit.name) + ": expected a string, got " + it->type_name());
  }
  std::string value = it->get<std::string>();
  if (value.size() > limit.max_bytes) {
    throw RecordError(std::string(limit.name) + ": too long (" + std::to_string(value.size()) +
                      " bytes, limit " + std::to_string(limit.max_bytes) + ")");
  }
  return value;
}

std::string trim(std::string_view s) {
  // Spaces, tabs, line ends and no-break spaces (U+00A0 = C2 A0: pages saved
  // from the web pad lines with them).
  auto space_at_end = [&](bool front) -> std::size_t {
    if (s.empty()) return 0;
    char c = front ? s.front() : s.back();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
    if (s.size() >= 2 && (front ? s.substr(0, 2) : s.substr(s.size() - 2)) == "\xC2\xA0") return 2;
    return 0;
  };
  while (std::size_t n = space_at_end(true)) s.remove_prefix(n);
  while (std::size_t n = space_at_end(false)) s.remove_suffix(n);
  return std::string(s);
}

std::string normalize_published(const std::string& raw) {
  if (raw.empty()) return {};
  auto date = parse_date(raw);
  if (!date) throw RecordError("published: not a date: \"" + raw.substr(0, 60) + "\"");
  return date->iso();
}

bool ends_sentence(std::string_view s) {
  static constexpr std::string_view kEnds[] = {".", "!", "?", "…", "\"", "”", ":", ";", ","};
  for (std::string_view e : kEnds) {
    if (s.size() >= e.size() && s.substr(s.size() - e.size()) == e) return true;
  }
  return false;
}

std::size_t word_count(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

// Text of a header line "Key: value" in a page, if `line` is one.
std::optional<std::string> header_value(const std::string& line, std::string_view key) {
  if (line.size() <= key.size() + 1) return std::nullopt;
  if (fold_diacritics(line.substr(0, key.size())) != key || line[key.size()] != ':')
    return std::nullopt;
  return trim(line.substr(key.size() + 1));
}

Article checked(Article a) {
  if (a.id.empty()) throw RecordError("id: missing or empty");
  if (a.title.empty()) throw RecordError("title: missing or empty");
  return a;
}

}  // namespace

Article parse_json_record(std::string_view line) {
  if (line.size() > kMaxLineBytes)
    throw RecordError("record too long (" + std::to_string(line.size()) + " bytes)");
  std::string text(line);
  std::string encoding = "utf-8";
  if (!is_valid_utf8(text)) {
    auto decoded = decode_vietnamese_text(text);
    if (!decoded) throw RecordError("invalid UTF-8 and not a known Vietnamese legacy encoding");
    text = std::move(decoded->utf8);
    encoding = decoded->encoding;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw RecordError(std::string("bad JSON: ") + e.what());
  }
  if (!j.is_object()) throw RecordError("bad JSON: a record must be an object");
  Article a;
  a.encoding = encoding;
  const auto limit = [](const char* name) {
    return *std::find_if(std::begin(kLimits), std::end(kLimits),
                         [&](const FieldLimit& l) { return std::string_view(l.name) == name; });
  };
  a.id = trim(optional_string(j, limit("id")));
  a.title = trim(optional_string(j, limit("title")));
  a.lead = optional_string(j, limit("lead"));
  a.body = optional_string(j, limit("body"));
  a.caption = optional_string(j, limit("caption"));
  a.author = trim(optional_string(j, limit("author")));
  a.url = trim(optional_string(j, limit("url")));
  a.category = trim(optional_string(j, limit("category")));
  a.published = normalize_published(trim(optional_string(j, limit("published"))));
  if (auto tags = j.find("tags"); tags != j.end() && !tags->is_null()) {
    if (!tags->is_array())
      throw RecordError(std::string("tags: expected an array, got ") + tags->type_name());
    if (tags->size() > kMaxTags) throw RecordError("tags: more than " + std::to_string(kMaxTags));
    for (const auto& t : *tags) {
      if (!t.is_string()) throw RecordError("tags: every tag must be a string");
      std::string tag = trim(t.get<std::string>());
      if (tag.size() > kMaxTagBytes) throw RecordError("tags: a tag is too long");
      if (!tag.empty()) a.tags.push_back(std::move(tag));
    }
  }
  return checked(std::move(a));
}

Article parse_text_page(std::string_view text, std::string default_id) {
  Article a;
  a.id = std::move(default_id);
  std::vector<std::string> blocks;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
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
  if (rest.size() >= 2 && word_count(rest.back()) <= 6 && rest.back().size() <= 60 &&
      !ends_sentence(rest.back())) {
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
  return checked(std::move(a));
}

void load_sources(
    const std::vector<std::string>& sources, const std::function<void(Article&&)>& on_article,
    const std::function<void(const std::string&, std::size_t, const std::string&)>& on_error,
    const std::function<void(std::uint64_t, std::uint64_t)>& on_progress) {
  struct Input {
    fs::path path;
    std::string page_id;  // path relative to the SOURCE folder
  };
  std::vector<Input> inputs;
  auto wanted = [](const fs::path& p) {
    std::string name = p.filename().string();
    auto ends = [&](std::string_view suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends(".jsonl") || ends(".jsonl.gz") || ends(".txt");
  };
  for (const std::string& source : sources) {
    fs::path root(source);
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      std::vector<Input> found;
      for (auto it = fs::recursive_directory_iterator(root, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && wanted(it->path())) {
          found.push_back({it->path(), fs::relative(it->path(), root).generic_string()});
        }
      }
      if (ec) throw std::runtime_error(source + ": " + ec.message());
      std::sort(found.begin(), found.end(),
                [](const Input& x, const Input& y) { return x.path < y.path; });
      inputs.insert(inputs.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(root, ec)) {
      inputs.push_back({root, root.filename().generic_string()});
    } else {
      throw std::runtime_error(source + ": no such file or folder");
    }
  }

  std::uint64_t total_bytes = 0, done_bytes = 0;
  for (const Input& input : inputs) {
    std::error_code size_error;
    total_bytes += fs::file_size(input.path, size_error);
  }
  auto report = [&](std::uint64_t bytes) {
    if (on_progress) on_progress(done_bytes + bytes, total_bytes);
  };
  for (const Input& input : inputs) {
    const std::string file = input.path.string();
    std::error_code size_error;
    const std::uint64_t file_bytes = fs::file_size(input.path, size_error);
    std::string name = input.path.filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0) {
      std::ifstream in(input.path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in && !in.eof()) {
        on_error(file, 0, "cannot read the file");
        continue;
      }
      auto decoded = decode_vietnamese_text(bytes);
      if (!decoded) {
        on_error(file, 0, "not UTF-8 and not a known Vietnamese legacy encoding");
        continue;
      }
      try {
        Article a = parse_text_page(decoded->utf8, input.page_id);
        a.encoding = decoded->encoding;
        on_article(std::move(a));
      } catch (const RecordError& e) {
        on_error(file, 0, e.what());
      }
      done_bytes += file_bytes;
      report(0);
      continue;
    }
    // JSONL, plain or gzip: zlib reads both.
    std::unique_ptr<gzFile_s, decltype(&gzclose)> gz(gzopen(file.c_str(), "rb"), &gzclose);
    if (!gz) {
      on_error(file, 0, "cannot open the file");
      continue;
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
        on_error(file, line_no,
                 "record too long (over " + std::to_string(kMaxLineBytes) + " bytes)");
      } else if (!trim(text).empty()) {
        try {
          on_article(parse_json_record(text));
        } catch (const RecordError& e) {
          on_error(file, line_no, e.what());
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
        handle_line(pending);
        p = nl + 1;
      }
      report(static_cast<std::uint64_t>(gzoffset(gz.get())));
    }
    if (!pending.empty() || too_long) handle_line(pending);
    int errnum = 0;
    const char* message = gzerror(gz.get(), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END)
      on_error(file, line_no + 1, std::string("read error: ") + message);
    done_bytes += file_bytes;
    report(0);
  }
}

}  // namespace tracuu
