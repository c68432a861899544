// Shared helpers for the unit tests: readable failure messages, errors as text.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "search.h"

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + v[i] + "\"";
    return (out + "]").c_str();
  }
};
}  // namespace doctest

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
