#include "vietnamese.h"
namespace tracuu {
std::optional<DecodedText> decode_vietnamese_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return DecodedText{std::string(bytes), "utf-8"};
  return std::nullopt;
}
}
