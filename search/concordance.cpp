// Concordance (keyword in context) and the article view's marks.
//
// The matching articles are read newest first, a month of them at a time
// (one Xapian match per month, sorted by date), so a stream in date order
// holds one month's matches and one article's lines, whatever the total:
// its first line comes after the first month's match, not after matching
// the whole index. Each article's occurrences are found by the analyzer on
// its stored text (find_occurrences: the same reading the index was built
// from). Sorting by the context needs every line first: those are held, at
// most ConcordanceRequest::max_sorted_bytes of them, in an arena of their
// own that goes back to the system whole.
#include <malloc.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <memory_resource>
#include <tuple>
#include <utility>

#include "search_internal.h"

namespace tracuu {

namespace internal {
namespace {

// The fields a concordance reads, in the order the index holds them.
std::vector<const std::string*> text_fields(const Article& a) {
  return {&a.title, &a.lead, &a.body, &a.caption};
}

// Whitespace runs (line breaks included) as one space, trimmed: a line of
// context reads on one line.
std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// A line held for a sort, and what it sorts by. Its text lives in the
// sort's own arena (SortArena), not among the heap's other blocks: the
// analyzer's caches filled during the sort pinned the pages of a refused
// sort's 80 MB for the life of the server.
struct KeyedLine {
  std::pmr::string key, id, title, published, left, match, right;
  std::size_t order;  // in date order: ties keep it (a stable sort)

  KeyedLine(std::string_view sort_key, const ConcordanceLine& l, std::size_t in_order,
            std::pmr::memory_resource* arena)
      : key(sort_key, arena),
        id(l.id, arena),
        title(l.title, arena),
        published(l.published, arena),
        left(l.left, arena),
        match(l.match, arena),
        right(l.right, arena),
        order(in_order) {}

  bool operator<(const KeyedLine& other) const {
    return std::tie(key, order) < std::tie(other.key, other.order);
  }

  ConcordanceLine line() const {
    return {std::string(id),   std::string(title), std::string(published),
            std::string(left), std::string(match), std::string(right)};
  }
  // About what it costs: its text, and its struct twice (the vector
  // doubles as it grows).
  std::size_t bytes() const {
    return 2 * sizeof(KeyedLine) + key.size() + id.size() + title.size() + published.size() +
           left.size() + match.size() + right.size();
  }
};

// Where a sort's lines live: blocks of 1 MB and more, each its own mapping
// (above glibc's mmap threshold), all unmapped when the sort ends.
struct SortArena {
  static constexpr std::size_t kFirstBlock = std::size_t{1} << 20;
  std::pmr::monotonic_buffer_resource resource{kFirstBlock};
};

// The lines of one article, `context` syllables each side.
void lines_of(Analyzer& analyzer, const Article& a, const Sought& sought, std::size_t context,
              std::vector<ConcordanceLine>& out) {
  for (const std::string* field : text_fields(a)) {
    if (field->empty()) continue;
    const Analysis analysis = analyzer.analyze(*field);
    const auto& syl = analysis.syllables;
    for (const Occurrence& o : find_occurrences(analysis, sought)) {
      const std::size_t last = o.first + o.count - 1;
      const std::size_t from = o.first > context ? o.first - context : 0;
      const std::size_t to = std::min(syl.size() - 1, last + context);
      const std::string_view text(*field);
      ConcordanceLine line;
      line.id = a.id;
      line.title = a.title;
      line.published = a.published;
      line.left = one_line(text.substr(syl[from].begin, syl[o.first].begin - syl[from].begin));
      line.match = one_line(text.substr(syl[o.first].begin, syl[last].end - syl[o.first].begin));
      line.right = one_line(text.substr(syl[last].end, syl[to].end - syl[last].end));
      out.push_back(std::move(line));
    }
  }
}

// The sort key of a line: its folded context words, nearest first (the
// left context read backwards, as linguists sort concordances), then the
// match, then the date.
std::string sort_key(Analyzer& analyzer, const ConcordanceLine& line,
                     ConcordanceRequest::Sort sort) {
  std::vector<std::string> words;
  const bool left = sort == ConcordanceRequest::Sort::kLeft;
  for (const Syllable& s : analyzer.analyze(left ? line.left : line.right).syllables)
    words.push_back(s.folded);
  if (left) std::reverse(words.begin(), words.end());
  std::string key;
  for (const std::string& w : words) key += w + '\x01';
  return key + '\x02' + fold_diacritics(line.match) + '\x02' + line.published;
}

}  // namespace
}  // namespace internal

// Walks the matching articles a month at a time, newest first, then the
// undated ones; hands out their lines.
class Searcher::ConcordanceStream::State {
 public:
  // `partial_ok`: a page, which counts every match and may answer what it
  // found in its time; a stream only decides the query's reading from its
  // first matches, so its first line comes before the whole index is read
  // (a word in most articles: 76 → 19 ms to the first line at 200k
  // articles; docs/benchmarks.md).
  // `keep`: a sort hands out only its first `keep` lines (a page), and
  // holds no more than those while it reads.
  State(internal::SearcherImpl& impl, const ConcordanceRequest& request, bool partial_ok,
        std::size_t keep = std::numeric_limits<std::size_t>::max())
      : impl_(impl), request_(request), partial_ok_(partial_ok), keep_(keep) {
    SearchRequest search = request.search;
    search.group_copies = false;
    p_ = impl_.prepare(search, false);
    // The relaxing of a conjunction of common words is decided once, on the
    // whole query, not month by month.
    const Xapian::MSet counted = impl_.match(p_, 0, 0, partial_ok ? impl_.db_.get_doccount() : 0);
    articles_ = counted.get_matches_estimated();
    articles_exact_ = counted.get_matches_lower_bound() == counted.get_matches_upper_bound();
    p_.relaxed = Xapian::Query();
    if (request.search.budget.deadline != std::chrono::steady_clock::time_point::max())
      allowance_ = request.search.budget.deadline - std::chrono::steady_clock::now();
    first_month_ = newest_month();
    month_ = first_month_;
    oldest_ = oldest_month();
    if (request.sort != ConcordanceRequest::Sort::kDate) sort_all();
  }

  ~State() { release_sorted_lines(); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  std::size_t articles() const { return articles_; }
  // Lines a sort read, the ones it did not keep included.
  std::size_t sorted_total() const { return sorted_total_; }
  bool articles_exact() const { return articles_exact_; }
  bool timed_out() const { return timed_out_; }

  bool next(ConcordanceLine* line) {
    if (sorted_) {
      if (next_sorted_ >= sorted_lines_.size()) return false;
      *line = sorted_lines_[next_sorted_++].line();
      return true;
    }
    return next_in_date_order(line);
  }

 private:
  bool next_in_date_order(ConcordanceLine* line) {
    while (pending_.empty()) {
      if (!next_article()) return false;
    }
    *line = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }

  bool next_article() {
    while (!mset_ || it_ == mset_->end()) {
      if (!next_window()) return false;
    }
    Article a;
    for (int attempt = 0;; ++attempt) {
      try {
        a = article_from_data(impl_.db_.get_document(*it_).get_data());
        break;
      } catch (const Xapian::DocNotFoundError&) {
        ++it_;  // deleted since the match
        return true;
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt >= 2) throw;
        impl_.db_.reopen();
      } catch (const Xapian::DatabaseOpeningError& e) {
        throw ExportInterrupted("the index was rebuilt during the concordance: " + e.get_msg());
      }
    }
    ++it_;
    std::vector<ConcordanceLine> lines;
    internal::lines_of(impl_.analyzer_, a, p_.parsed.sought, request_.context, lines);
    pending_.assign(std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
    return true;
  }

  // The next month's matches (newest first), then the undated; false when
  // every window was read.
  bool next_window() {
    if (done_) return false;
    Xapian::Query window;
    if (month_ && (!oldest_ || !(*month_ < *oldest_))) {
      const std::string from = *month_ + "01", to = *month_ + "31";
      window =
          Xapian::Query(Xapian::Query::OP_FILTER, p_.query,
                        Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot::kPublished, from, to));
      month_ = previous_month(*month_);
    } else {
      // Articles without a date come last.
      done_ = true;
      window = Xapian::Query(Xapian::Query::OP_AND_NOT, p_.query,
                             Xapian::Query(Xapian::Query::OP_VALUE_GE, slot::kPublished, "0"));
    }
    // The time allowed is for each month's match, not the whole transfer: a
    // client reading slowly does not run the query out of time.
    if (allowance_) p_.budget->budget.deadline = std::chrono::steady_clock::now() + *allowance_;
    Xapian::Enquire enquire(impl_.db_);
    enquire.set_query(window);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.set_sort_by_value_then_relevance(slot::kPublished, true);
    mset_ = enquire.get_mset(0, impl_.db_.get_doccount(), nullptr, p_.near.get());
    it_ = mset_->begin();
    if (p_.budget->expired) {
      if (!partial_ok_) throw ExportInterrupted("the concordance's query ran out of time");
      timed_out_ = true;
      done_ = true;
    }
    return true;
  }

  void sort_all() {
    ConcordanceLine line;
    // A whole sort's lines go to an arena freed whole; a page's few, which
    // come and go, to the heap.
    std::pmr::memory_resource* memory = std::pmr::new_delete_resource();
    if (keep_ == std::numeric_limits<std::size_t>::max()) {
      arena_ = std::make_unique<internal::SortArena>();
      memory = &arena_->resource;
    }
    while (next_in_date_order(&line)) {
      const std::string key = internal::sort_key(impl_.analyzer_, line, request_.sort);
      sorted_lines_.emplace_back(key, line, sorted_total_++, memory);
      held_ += sorted_lines_.back().bytes();
      if (sorted_lines_.size() > keep_) drop_last_line();
      if (held_ > request_.max_sorted_bytes) refuse_sort();
    }
    std::sort(sorted_lines_.begin(), sorted_lines_.end());
    sorted_ = true;
  }

  // With a page to fill, sorted_lines_ is a max-heap of the first `keep_`
  // lines so far: the one sorting last goes.
  // The heap is made once, when the page is first full (making it again
  // for every line made a page of 16,000 lines 3x slower than sorting them
  // all: 1.5 s against 0.6).
  void drop_last_line() {
    if (!heap_made_) {
      std::make_heap(sorted_lines_.begin(), sorted_lines_.end());
      heap_made_ = true;
    } else {
      std::push_heap(sorted_lines_.begin(), sorted_lines_.end());
    }
    std::pop_heap(sorted_lines_.begin(), sorted_lines_.end());
    held_ -= sorted_lines_.back().bytes();
    sorted_lines_.pop_back();
  }

  [[noreturn]] void refuse_sort() {
    const std::size_t lines = sorted_lines_.size();
    release_sorted_lines();
    throw BadRequest("too many lines to sort by context (over " + std::to_string(lines) +
                     " lines, " + std::to_string(request_.max_sorted_bytes >> 20) +
                     " MB): narrow the query (dates, category, more words), use less context, "
                     "or sort by date, which streams any number of lines");
  }

  // The lines' memory back to the system: glibc keeps freed blocks in the
  // thread's arena otherwise, and four sorts left the server at 1.4 GB.
  void release_sorted_lines() {
    constexpr std::size_t kTrimFrom = std::size_t{8} << 20;  // a trim costs a few ms
    std::vector<internal::KeyedLine>().swap(sorted_lines_);
    arena_.reset();
    if (std::exchange(held_, 0) >= kTrimFrom) ::malloc_trim(0);
  }

  // Months as "YYYYMM".
  std::optional<std::string> newest_month() const {
    std::string to = request_.search.to;
    if (p_.parsed.date_range && !p_.parsed.date_range->to.empty() &&
        (to.empty() || p_.parsed.date_range->to < to))
      to = p_.parsed.date_range->to;
    if (!to.empty()) return published_value(to).substr(0, 6);
    const std::string v = impl_.db_.get_value_upper_bound(slot::kPublished);
    if (v.size() < 6) return std::nullopt;
    return v.substr(0, 6);
  }
  std::optional<std::string> oldest_month() const {
    std::string from = request_.search.from;
    if (p_.parsed.date_range && !p_.parsed.date_range->from.empty() &&
        (from.empty() || p_.parsed.date_range->from > from))
      from = p_.parsed.date_range->from;
    if (!from.empty()) return published_value(from).substr(0, 6);
    const std::string v = impl_.db_.get_value_lower_bound(slot::kPublished);
    if (v.size() < 6) return std::nullopt;
    return v.substr(0, 6);
  }
  static std::optional<std::string> previous_month(const std::string& yyyymm) {
    int y = std::stoi(yyyymm.substr(0, 4)), m = std::stoi(yyyymm.substr(4, 2));
    if (--m == 0) {
      m = 12;
      --y;
    }
    if (y < 1) return std::nullopt;
    char buf[24];  // room for any int, though y is 1..9999
    std::snprintf(buf, sizeof buf, "%04d%02d", y, m);
    return std::string(buf);
  }

  internal::SearcherImpl& impl_;
  ConcordanceRequest request_;
  bool partial_ok_;
  std::size_t keep_;
  internal::SearcherImpl::Prepared p_;
  std::size_t articles_ = 0;
  bool articles_exact_ = false;
  std::optional<std::chrono::steady_clock::duration> allowance_;  // per month's match
  std::optional<std::string> first_month_, month_, oldest_;
  bool done_ = false;
  bool timed_out_ = false;
  std::optional<Xapian::MSet> mset_;
  Xapian::MSetIterator it_;
  std::deque<ConcordanceLine> pending_;
  bool sorted_ = false;
  bool heap_made_ = false;                      // sorted_lines_ is a heap of a page's first lines
  std::unique_ptr<internal::SortArena> arena_;  // sorted_lines_'s text; declared first
  std::vector<internal::KeyedLine> sorted_lines_;
  std::size_t held_ = 0;  // bytes() of sorted_lines_
  std::size_t sorted_total_ = 0;
  std::size_t next_sorted_ = 0;
};

Searcher::ConcordanceStream::ConcordanceStream(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
Searcher::ConcordanceStream::ConcordanceStream(ConcordanceStream&&) noexcept = default;
Searcher::ConcordanceStream::~ConcordanceStream() = default;
std::size_t Searcher::ConcordanceStream::articles() const {
  return state_->articles();
}
bool Searcher::ConcordanceStream::articles_exact() const {
  return state_->articles_exact();
}
bool Searcher::ConcordanceStream::next(ConcordanceLine* line) {
  return state_->next(line);
}

namespace internal {

Searcher::ConcordanceStream SearcherImpl::start_concordance(const ConcordanceRequest& r) {
  return with_retry([&] {
    return Searcher::ConcordanceStream(
        std::make_unique<Searcher::ConcordanceStream::State>(*this, r, false));
  });
}

Concordance SearcherImpl::concordance(const ConcordanceRequest& r) {
  return with_retry([&] {
    Concordance c;
    c.query = r.search.q;
    // A sorted page holds its own lines and those before it, not them all.
    const bool by_date = r.sort == ConcordanceRequest::Sort::kDate;
    Searcher::ConcordanceStream::State lines(
        *this, r, true,
        by_date ? std::numeric_limits<std::size_t>::max() : r.search.offset + r.search.limit);
    c.articles = lines.articles();
    ConcordanceLine line;
    while (lines.next(&line)) {
      if (c.occurrences >= r.search.offset && c.lines.size() < r.search.limit)
        c.lines.push_back(line);
      ++c.occurrences;
    }
    if (!by_date) c.occurrences = lines.sorted_total();
    c.timed_out = lines.timed_out();
    return c;
  });
}

std::optional<MarkedArticle> SearcherImpl::marked_article(const std::string& id,
                                                          const SearchRequest& r) {
  std::optional<Article> a = article(id);
  if (!a) return std::nullopt;
  const ParsedQuery parsed = [&] {
    QueryOptions options;
    options.strict_accents = r.strict_accents;
    options.trailing_prefix = false;
    // The words the search read, as it read them (keystrokes, typos).
    const std::string text = read_query(r, false).text;
    ParsedQuery q = parse_query(text, analyzer_, options);
    add_synonyms(text, options, q);
    return q;
  }();
  MarkedArticle m;
  auto mark = [&](const std::string& text) {
    const Analysis analysis = analyzer_.analyze(text);
    std::string html;
    std::size_t at = 0;
    for (const Occurrence& o : find_occurrences(analysis, parsed.sought)) {
      const std::size_t begin = analysis.syllables[o.first].begin;
      const std::size_t end = analysis.syllables[o.first + o.count - 1].end;
      html += html_escape(std::string_view(text).substr(at, begin - at));
      html += "<mark data-n=\"" + std::to_string(m.occurrences++) + "\">" +
              html_escape(std::string_view(text).substr(begin, end - begin)) + "</mark>";
      at = end;
    }
    return html + html_escape(std::string_view(text).substr(at));
  };
  // Numbered in the order the page shows the fields.
  m.title = mark(a->title);
  m.caption = mark(a->caption);
  m.lead = mark(a->lead);
  m.body = mark(a->body);
  m.article = std::move(*a);
  return m;
}

}  // namespace internal

Concordance Searcher::concordance(const ConcordanceRequest& request) {
  return impl_->concordance(request);
}
Searcher::ConcordanceStream Searcher::start_concordance(const ConcordanceRequest& request) {
  return impl_->start_concordance(request);
}
std::optional<MarkedArticle> Searcher::marked_article(const std::string& id,
                                                      const SearchRequest& request) {
  return impl_->marked_article(id, request);
}

}  // namespace tracuu
