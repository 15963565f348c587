// Big-endian integers: the byte order of every fixed-width field the store
// writes (keys sort in numeric order).
#ifndef SYNERGY_INFRA_BIG_ENDIAN_H_
#define SYNERGY_INFRA_BIG_ENDIAN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace synergy {

// Appends the low `bytes` bytes of `v`, most significant first.
inline void PutBigEndian(std::string& out, std::uint64_t v, int bytes = 8) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// Reads all of `bytes` (at most 8) as one big-endian integer.
inline std::uint64_t GetBigEndian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<std::uint8_t>(c);
  return v;
}

}  // namespace synergy

#endif  // SYNERGY_INFRA_BIG_ENDIAN_H_
