#include "infra/hash_chain.h"
#include "infra/token_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace synergy {

namespace {

struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread, reused: allocating one per hash would cost
// more than hashing a small event.
EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

// SHA-256 fetched from the provider once: OpenSSL 3 looks EVP_sha256() up
// again at every init, which cost more than hashing a token.
const EVP_MD* Sha256Method() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("SHA-256 is not available");
    return fetched;
  }();
  return md;
}

Hash Digest(std::string_view a, std::string_view b) {
  EVP_MD_CTX* ctx = ThreadContext();
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex(ctx, Sha256Method(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

}  // namespace

Hash Sha256(std::string_view data) { return Digest(data, {}); }

Hash ChainHash(const Hash& previous, std::string_view stored_bytes) {
  return Digest(std::string_view(reinterpret_cast<const char*>(previous.data()),
                                 previous.size()),
                stored_bytes);
}

std::string NewTokenSecret() {
  Hash bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the system's random generator failed");
  }
  return "slt_" + ToHex(bytes);
}

std::string ToHex(const Hash& hash) {
  std::string out(hash.size() * 2, '0');
  for (std::size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kHexDigits[hash[i] >> 4];
    out[2 * i + 1] = kHexDigits[hash[i] & 0xf];
  }
  return out;
}

Result<VerifyReport> VerifyChain(EventStore& store, std::uint64_t after, const Hash& hash_at_after) {
  constexpr std::size_t kPage = 4096;
  VerifyReport report;
  report.head = store.Head();
  Hash running = hash_at_after;
  std::uint64_t expected_position = after;
  if (after > report.head.position) {  // the log is shorter than what was verified
    report.ok = false;
    report.first_bad_position = report.head.position + 1;
    return report;
  }
  while (expected_position < report.head.position) {
    Result<std::vector<StoredEvent>> page = store.ReadStored(expected_position, kPage);
    if (!page.ok()) return page.error();
    if (page->empty()) break;  // events missing below the head
    for (const StoredEvent& stored : *page) {
      if (stored.position > report.head.position) break;
      ++expected_position;
      running = ChainHash(running, stored.bytes);
      if (stored.position != expected_position || running != stored.hash) {
        report.ok = false;
        report.first_bad_position = expected_position;
        return report;
      }
      ++report.checked;
    }
  }
  if (expected_position != report.head.position || running != report.head.hash) {
    report.ok = false;
    report.first_bad_position = expected_position + 1 > report.head.position
                                    ? report.head.position
                                    : expected_position + 1;
  }
  return report;
}

}  // namespace synergy
