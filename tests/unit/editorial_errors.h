// For the unit tests of the editors' files (synonyms, rules): their errors
// as text. Not in test_util.h, which the integration tests share and which
// must not name search/'s internals.
#pragma once

#include <string>

#include "search.h"

namespace tracuu::test {

// The message of the EditorialFileError `f` throws, or "" when it does not.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tracuu::EditorialFileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace tracuu::test
