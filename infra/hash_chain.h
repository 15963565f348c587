// SHA-256 through OpenSSL's libcrypto, and the log's hash chain.
#ifndef SYNERGY_INFRA_HASH_CHAIN_H_
#define SYNERGY_INFRA_HASH_CHAIN_H_

#include <string>
#include <string_view>

#include "domain/event_store.h"

namespace synergy {

Hash Sha256(std::string_view data);

// hash(n) = SHA-256(hash(n-1) || stored bytes of event n).
Hash ChainHash(const Hash& previous, std::string_view stored_bytes);

// Lower-case hexadecimal digits, by value: ToHex, RandomHex and the JSON
// escapes write these.
inline constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(const Hash& hash);

// Recomputes the chain over the store's stored bytes and compares each
// event's hash, then the head's, stopping at the first mismatch:
// `first_bad_position` names it. From position 1, or from `after + 1` when
// the chain up to `after` is known to end in `hash_at_after` (a position
// verified earlier). Fails only when the store cannot be read.
Result<VerifyReport> VerifyChain(EventStore& store, std::uint64_t after = 0,
                                 const Hash& hash_at_after = Hash{});

}  // namespace synergy

#endif  // SYNERGY_INFRA_HASH_CHAIN_H_
