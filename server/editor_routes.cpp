// For the site's editors (docs/editors.md): their synonyms and rules files,
// and GET /editorial (what is in force, and the last error of each file).
#include <iostream>

#include "api.h"
#include "editorial_files.h"

namespace tracuu {
namespace {

// What the editors' routes own, for as long as the server runs.
struct EditorServices {
  std::unique_ptr<EditorialFiles> files;
};

}  // namespace

std::shared_ptr<void> install_editor_routes(httplib::Server& server, Api& api) {
  auto services = std::make_shared<EditorServices>();
  const ServerOptions& o = api.options();
  if (!o.synonyms_file.empty() || !o.rules_file.empty()) {
    services->files = std::make_unique<EditorialFiles>(
        o.synonyms_file, o.rules_file,
        [&api](std::shared_ptr<const Editorial> e) { api.set_editorial(std::move(e)); });
    EditorialFiles* files = services->files.get();
    // SIGHUP: only wakes the watcher thread, which rereads both files.
    api.add_reloader("the editors' files", [files] { files->reload_soon(); });
  }
  EditorialFiles* files = services->files.get();
  server.Get("/editorial", [&api, files](const auto&, auto& res) {
    api.timed("editorial", res, [&] {
      send_json(res, 200,
                files ? files->status() : json{{"synonyms", nullptr}, {"rules", nullptr}});
    });
  });
  return services;
}

}  // namespace tracuu
