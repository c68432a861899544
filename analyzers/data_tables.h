// Access to the data tables in analyzers/data/, embedded into the library at
// build time by cmake/embed.cmake (so no data directory is needed at run time).
#pragma once

#include <string_view>

namespace tracuu::embedded {
// The content of analyzers/data/<file_name>; empty if there is no such file.
std::string_view analyzer_table(std::string_view file_name);
}  // namespace tracuu::embedded
