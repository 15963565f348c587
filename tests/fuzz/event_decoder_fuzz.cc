// Fuzz target: stored bytes through the event decoder and the idempotency
// record decoder, as a damaged or hostile database would hand them over.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "infra/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)synergy::DecodeRecord(bytes);
  (void)synergy::DecodeRecordedAt(bytes);
  (void)synergy::DecodeIdempotency(bytes);
  return 0;
}
