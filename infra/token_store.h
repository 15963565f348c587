// API tokens: only the SHA-256 of each secret is stored, with the token's
// name, role and programme scope.
#ifndef SYNERGY_INFRA_TOKEN_STORE_H_
#define SYNERGY_INFRA_TOKEN_STORE_H_

#include <algorithm>
#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/event_store.h"

namespace synergy {

// The roles a token may hold (API.md's "Roles and scopes").
inline constexpr std::array<std::string_view, 4> kRoleNames = {"admin", "facilitator", "manager",
                                                               "funder"};
inline bool IsRoleName(std::string_view role) {
  return std::find(kRoleNames.begin(), kRoleNames.end(), role) != kRoleNames.end();
}

struct TokenRecord {
  std::string name;
  std::string role;                     // one of kRoleNames
  std::vector<std::string> programmes;  // empty: every programme
  friend bool operator==(const TokenRecord&, const TokenRecord&) = default;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // Stores `record` under the hash of its secret, durably. Fails with
  // kDuplicate when a token already has this name, kUnavailable when
  // storage refuses. Safe to call from many threads.
  virtual Status Create(const Hash& secret_hash, const TokenRecord& record) = 0;
  // Every token, by the hash of its secret.
  virtual Result<std::vector<std::pair<Hash, TokenRecord>>> List() = 0;
};

// Tokens held in memory only: for the import (whose one token must not
// outlive it), tests and fuzzing. Create refuses a taken name, as the
// RocksDB store does.
class MemoryTokenStore final : public TokenStore {
 public:
  Status Create(const Hash& secret_hash, const TokenRecord& record) override {
    std::lock_guard lock(mu_);
    for (const auto& [hash, existing] : tokens_) {
      if (existing.name == record.name) {
        return MakeError(ErrorCode::kDuplicate, "a token named '" + record.name + "' exists", "name");
      }
    }
    tokens_.emplace_back(secret_hash, record);
    return OkStatus();
  }
  Result<std::vector<std::pair<Hash, TokenRecord>>> List() override {
    std::lock_guard lock(mu_);
    return tokens_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<Hash, TokenRecord>> tokens_;  // guarded by mu_
};

// A new secret: 32 random bytes from the system's CSPRNG, hex-encoded with
// the prefix "slt_".
std::string NewTokenSecret();

}  // namespace synergy

#endif  // SYNERGY_INFRA_TOKEN_STORE_H_
