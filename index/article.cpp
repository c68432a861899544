// Article ⇄ stored record and JSON, and the hashes the reindex job and "Tin khác" use.
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "schema.h"

namespace tracuu {
namespace {

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The seed of the content hash and duplicate key: both are stored in every
// index (slots kContentHash, kDuplicateKey), so it never changes. (It is not
// FNV's offset basis, 14695981039346656037, but a digit short: harmless.)
constexpr std::uint64_t kStoredHashSeed = 1469598103934665603ull;

}  // namespace

std::uint64_t stable_hash(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string published_value(const std::string& iso) {
  return iso.size() == 10 ? iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) : std::string();
}

namespace {

// The stored record: a version byte, then each field as a LEB128 length and
// its bytes, in the order below, then the tag count and each tag. Every hit
// of every search reads one, so it is made to be read without parsing;
// data stored as JSON by earlier versions starts with '{' and is still read.
// A record of more than kCompressFrom bytes is stored zstd-compressed (version
// byte 3, the plain record's size, the zstd frame): zstd reads back several
// times faster than the deflate Xapian would otherwise apply, and Xapian
// stores its output as it is (docs/architecture.md#schema).
constexpr char kRecordVersion = '\x02';
constexpr char kCompressedRecordVersion = '\x03';
constexpr std::size_t kCompressFrom = 256;
constexpr int kZstdLevel = 3;
constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 26;  // far above any article

void put_length(std::string& out, std::size_t n) {
  do {
    unsigned char byte = n & 0x7F;
    n >>= 7;
    out.push_back(static_cast<char>(n ? byte | 0x80 : byte));
  } while (n);
}

void put_field(std::string& out, std::string_view field) {
  put_length(out, field.size());
  out.append(field);
}

class RecordReader {
 public:
  RecordReader(std::string_view data, std::size_t pos) : data_(data), pos_(pos) {}

  std::size_t length() {
    std::size_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw std::runtime_error("stored record: truncated");
      auto byte = static_cast<unsigned char>(data_[pos_++]);
      n |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return n;
    }
    throw std::runtime_error("stored record: bad length");
  }
  std::string field() {
    std::size_t n = length();
    if (n > data_.size() - pos_) throw std::runtime_error("stored record: truncated");
    std::string out(data_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  std::size_t pos_;
};

// The record's text fields, in their order on disk: one list for writing and
// reading, so the two cannot disagree. (Tags follow them.)
template <typename A>  // Article or const Article
auto record_fields(A& a) {
  return std::array{&a.id,     &a.title,     &a.lead, &a.body,    &a.caption,
                    &a.author, &a.published, &a.url,  &a.category};
}

// The plain record (version 2).
std::string plain_record(const Article& a) {
  std::string out;
  out.reserve(a.title.size() + a.lead.size() + a.body.size() + a.caption.size() + 128);
  out.push_back(kRecordVersion);
  for (const std::string* field : record_fields(a)) put_field(out, *field);
  put_length(out, a.tags.size());
  for (const std::string& tag : a.tags) put_field(out, tag);
  // Last and only when set: records without it stay byte for byte as before
  // (their content hashes too), and older records read as not captured.
  if (!a.captured.empty()) put_field(out, a.captured);
  return out;
}

Article article_from_plain_record(std::string_view record) {
  RecordReader in(record, 1);
  Article a;
  for (std::string* field : record_fields(a)) *field = in.field();
  std::size_t tags = in.length();
  if (tags > record.size()) throw std::runtime_error("stored record: bad tag count");
  for (std::size_t i = 0; i < tags; ++i) a.tags.push_back(in.field());
  if (!in.rest().empty()) a.captured = in.field();
  return a;
}

// One compression context per thread, made once (they are large to create).
// Frames carry a checksum: a damaged record is an error, never wrong text.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ZstdContexts() {
    ZSTD_CCtx_setParameter(compress, ZSTD_c_compressionLevel, kZstdLevel);
    ZSTD_CCtx_setParameter(compress, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};
ZstdContexts& zstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

}  // namespace

namespace {

// Field size limits: larger values are a broken export, not an article.
struct FieldLimit {
  const char* name;
  std::size_t max_bytes;
};
constexpr FieldLimit kLimits[] = {
    {"id", kMaxIdBytes}, {"title", 2000}, {"lead", 20000},   {"body", 4 << 20}, {"author", 300},
    {"published", 100},  {"url", 2000},   {"category", 100}, {"caption", 2000}, {"captured", 100}};
constexpr std::size_t kMaxTags = 50, kMaxTagBytes = 100;

std::string optional_string(const nlohmann::json& j, std::string_view name) {
  const FieldLimit& limit = *std::find_if(std::begin(kLimits), std::end(kLimits),
                                          [&](const FieldLimit& l) { return l.name == name; });
  auto it = j.find(limit.name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string())
    throw RecordError(std::string(limit.name) + ": expected a string, got " + it->type_name());
  std::string value = it->get<std::string>();
  if (value.size() > limit.max_bytes) {
    throw RecordError(std::string(limit.name) + ": too long (" + std::to_string(value.size()) +
                      " bytes, limit " + std::to_string(limit.max_bytes) + ")");
  }
  return value;
}

std::string normalize_published(const std::string& raw) {
  if (raw.empty()) return {};
  auto date = parse_date(raw);
  if (!date) throw RecordError("published: not a date: \"" + raw.substr(0, 60) + "\"");
  return date->iso();
}

std::vector<std::string> tags_of(const nlohmann::json& j) {
  std::vector<std::string> tags;
  auto found = j.find("tags");
  if (found == j.end() || found->is_null()) return tags;
  if (!found->is_array())
    throw RecordError(std::string("tags: expected an array, got ") + found->type_name());
  if (found->size() > kMaxTags) throw RecordError("tags: more than " + std::to_string(kMaxTags));
  for (const auto& t : *found) {
    if (!t.is_string()) throw RecordError("tags: every tag must be a string");
    std::string tag = trim_spaces(t.get<std::string>());
    if (tag.size() > kMaxTagBytes) throw RecordError("tags: a tag is too long");
    if (!tag.empty()) tags.push_back(std::move(tag));
  }
  return tags;
}

}  // namespace

void check_article(const Article& a) {
  if (a.id.empty()) throw RecordError("id: missing or empty");
  if (a.title.empty()) throw RecordError("title: missing or empty");
  // The limits of kLimits for articles not read from JSON (pages).
  const std::pair<const char*, const std::string*> fields[] = {
      {"id", &a.id},           {"title", &a.title},
      {"lead", &a.lead},       {"body", &a.body},
      {"author", &a.author},   {"published", &a.published},
      {"url", &a.url},         {"category", &a.category},
      {"caption", &a.caption}, {"captured", &a.captured}};
  for (const auto& field : fields) {
    const std::string_view name = field.first;
    const FieldLimit& limit = *std::find_if(std::begin(kLimits), std::end(kLimits),
                                            [&](const FieldLimit& l) { return l.name == name; });
    if (field.second->size() > limit.max_bytes)
      throw RecordError(std::string(name) + ": too long (" + std::to_string(field.second->size()) +
                        " bytes, limit " + std::to_string(limit.max_bytes) + ")");
  }
}

bool is_web_url(std::string_view url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string lower;
  for (char c : url.substr(0, scheme))
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower != "http" && lower != "https") return false;
  const std::string_view rest = url.substr(scheme + 3);
  if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#')
    return false;  // no host
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

void drop_unsafe_url(Article& a) {
  if (a.url.empty() || is_web_url(a.url)) return;
  // Quoted for the log: at most 60 bytes, control characters shown as "?".
  std::string shown = a.url.substr(0, 60);
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  a.field_errors.push_back("url: not an http or https address, indexed without it: \"" + shown +
                           (a.url.size() > 60 ? "...\"" : "\""));
  a.url.clear();
}

nlohmann::json article_json(const Article& a) {
  nlohmann::json j = {{"id", a.id},
                      {"title", a.title},
                      {"lead", a.lead},
                      {"body", a.body},
                      {"caption", a.caption},
                      {"author", a.author},
                      {"published", a.published},
                      {"url", a.url},
                      {"category", a.category},
                      {"tags", a.tags}};
  if (!a.captured.empty()) j["captured"] = a.captured;
  return j;
}

Article article_from_json(std::string_view json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw RecordError(std::string("bad JSON: ") + e.what());
  }
  if (!j.is_object()) throw RecordError("bad JSON: a record must be an object");
  Article a;
  a.id = trim_spaces(optional_string(j, "id"));
  a.title = trim_spaces(optional_string(j, "title"));
  a.lead = optional_string(j, "lead");
  a.body = optional_string(j, "body");
  a.caption = optional_string(j, "caption");
  a.author = trim_spaces(optional_string(j, "author"));
  a.url = trim_spaces(optional_string(j, "url"));
  a.category = trim_spaces(optional_string(j, "category"));
  a.published = normalize_published(trim_spaces(optional_string(j, "published")));
  a.tags = tags_of(j);
  a.captured = trim_spaces(optional_string(j, "captured"));
  check_article(a);
  drop_unsafe_url(a);
  return a;
}

std::string stored_data(const Article& a) {
  std::string record = plain_record(a);
  if (record.size() < kCompressFrom) return record;
  std::string out(1, kCompressedRecordVersion);
  put_length(out, record.size());
  const std::size_t header = out.size();
  out.resize(header + ZSTD_compressBound(record.size()));
  std::size_t n = ZSTD_compress2(zstd().compress, out.data() + header, out.size() - header,
                                 record.data(), record.size());
  if (ZSTD_isError(n)) return record;  // stored plain, still readable
  out.resize(header + n);
  return out;
}

Article article_from_data(std::string_view stored) {
  if (stored.empty()) throw std::runtime_error("stored record: empty");
  switch (stored.front()) {
    case '{':  // written by versions before the compact record
      return article_from_json(stored);
    case kRecordVersion:
      return article_from_plain_record(stored);
    case kCompressedRecordVersion: {
      RecordReader in(stored, 1);
      const std::size_t size = in.length();
      const std::string_view frame = in.rest();
      if (size > kMaxRecordBytes || size != ZSTD_getFrameContentSize(frame.data(), frame.size()))
        throw std::runtime_error("stored record: bad compressed size");
      std::string record(size, '\0');
      std::size_t n =
          ZSTD_decompressDCtx(zstd().decompress, record.data(), size, frame.data(), frame.size());
      if (ZSTD_isError(n) || n != size || record.front() != kRecordVersion)
        throw std::runtime_error("stored record: damaged compressed record");
      return article_from_plain_record(record);
    }
    default:
      throw std::runtime_error("stored record: unknown format");
  }
}

std::string content_hash(const Article& a) {
  // Of the plain record, so a new zstd never makes every article look edited.
  // The analyzer version is part of the hash: new terms mean a changed document.
  return hex64(
      stable_hash(plain_record(a), stable_hash(std::to_string(kAnalyzerVersion), kStoredHashSeed)));
}

std::string duplicate_key(const Article& a) {
  // Syndicated copies keep the title and the opening, give or take case,
  // accents, tone style and punctuation: key on the letters and digits of
  // the folded title and of the text's first words. (The title alone made
  // one "story" of every article titled with the same generic sentence.)
  constexpr std::size_t kOpeningLetters = 120;
  auto letters_of = [](std::string_view text, std::size_t most, std::string& out) {
    // Four bytes a letter at most: enough text to find `most` letters in.
    const std::string folded =
        fold_diacritics(most == std::string::npos ? text : text.substr(0, 4 * most));
    std::size_t n = 0;
    for (char c : folded) {
      if (n >= most) break;
      if (std::isalnum(static_cast<unsigned char>(c))) {
        out.push_back(c);
        ++n;
      }
    }
  };
  std::string letters;
  letters_of(a.title, std::string::npos, letters);
  letters.push_back('|');
  letters_of(a.lead.empty() ? a.body : a.lead, kOpeningLetters, letters);
  return hex64(stable_hash(letters, kStoredHashSeed));
}

}  // namespace tracuu
