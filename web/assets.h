// The status page files (web/index.html, app.js, style.css), embedded in the
// binary at build time by web/embed_assets.cmake. Immutable; any thread.
#ifndef RINGMASTER_WEB_ASSETS_H_
#define RINGMASTER_WEB_ASSETS_H_

#include <cstddef>
#include <string_view>

namespace ringmaster {

struct WebAsset {
  std::string_view path;          // URL path, e.g. "/app.js"; "/" is index.html
  std::string_view content_type;
  const unsigned char* data;
  size_t size;
};

// The asset served at `path`, or null.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_ASSETS_H_
