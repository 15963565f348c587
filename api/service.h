// The HTTP API of API.md without sockets: Handle(request, reply) routes,
// authenticates, runs commands through the deciders and the store, and
// answers reads from the read models. The server (server.cc) feeds it.
#ifndef SYNERGY_API_SERVICE_H_
#define SYNERGY_API_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/body_cache.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/serial_worker.h"
#include <nlohmann/json.hpp>
#include "infra/checkpoint_store.h"
#include "infra/log_store.h"
#include "infra/token_store.h"
#include "projections/read_models.h"

namespace synergy::api {

enum class Role { kAdmin, kFacilitator, kManager, kFunder };  // the order of kRoleNames

}  // namespace synergy::api

namespace synergy {
// A role's names are the tokens' (ParseEnum<api::Role> reads a token's role).
template <>
struct WireNameTable<api::Role> {
  static constexpr const auto& names = kRoleNames;
};
}  // namespace synergy

namespace synergy::api {

struct Caller {
  std::string name;
  Role role;
  std::vector<std::string> programmes;  // empty: every programme
  bool Sees(std::string_view programme) const;
};

class Service {
 public:
  // Runs `task` later on a thread that may block briefly (a server thread).
  using Post = std::function<void(std::function<void()>)>;

  // `store`, `tokens` and `checkpoints` (optional) must outlive the service.
  // With `checkpoints`, start-up loads the read models' checkpoint and folds
  // only the tail of the log; a new checkpoint is saved once
  // `kCheckpointEvery` events have come since the last, at a moment when
  // nothing is being appended (or at ten times that, regardless), and at
  // shutdown.
  Service(LogStore& store, TokenStore& tokens, Post post, Clock clock = SystemNow,
          CheckpointStore* checkpoints = nullptr);
  static constexpr std::uint64_t kCheckpointEvery = 100'000;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  // Stops observing the store, waits for the appends it submitted to
  // complete, saves a checkpoint, answers every waiting long poll, then
  // stops. The store must still be open.
  ~Service();

  // What POST /v1/admin/backup calls: writes a consistent copy of the whole
  // database into a directory that must not exist. Set before Start; without
  // it the endpoint answers 503.
  using Backup = std::function<Status(const std::string& dest)>;
  void SetBackup(Backup backup) { backup_ = std::move(backup); }

  // Loads the tokens, then folds the log into the read models in the
  // background; until that is done /readyz and every /v1 request answer 503.
  Status Start();
  // Answers every waiting long poll now and every later one at once: the
  // server is stopping.
  void StopWaiting();
  // Blocks until the read models have caught up with the log.
  void WaitUntilReady();
  bool ready() const { return ready_.load(); }

  // Answers `request` through `reply`, exactly once, from this or another
  // thread. A request whose body exceeded the limit arrives with
  // `body_too_large` set and an empty body.
  void Handle(HttpRequest request, Reply reply, bool body_too_large = false);

  // The route label of a request target, for logs ("/v1/synergies/{sid}").
  static std::string RouteOf(std::string_view method, std::string_view target);

 public:
  // Defined in service.cc.
  struct Route;
  struct Plan;
  struct Decided;
  struct FeedQuery;
  struct Waiter;

 private:

  void Dispatch(const Route& route, HttpRequest& request, const Caller* caller, Reply reply);
  std::optional<Caller> Authenticate(const HttpRequest& request) const;

  // Commands.
  void Command(const Route& route, HttpRequest& request, const Caller& caller, Reply reply);
  void Execute(std::shared_ptr<Plan> plan, Reply reply, int attempt);
  HttpResponse TokenCreate(const HttpRequest& request, const Caller& caller);
  HttpResponse BackupNow(const HttpRequest& request, const Caller& caller);

  // Reads.
  HttpResponse Read(const Route& route, const HttpRequest& request, const Caller& caller);
  // The rendered body of `s` (from synergy_bodies_, rendered and stored
  // there when missing). Needs models_mu_ held.
  std::shared_ptr<const std::string> SynergyBody(const SynergyState& s);
  HttpResponse Kpis(const Route& route, const HttpRequest& request, const Caller& caller);
  void Feed(const HttpRequest& request, const Caller& caller, Reply reply);
  Result<nlohmann::json> RunFeed(const FeedQuery& query, std::uint64_t* last_position);
  void RunWaiters();

  void Observe(const std::vector<RecordedEvent>& events);
  void CatchUp();
  void RunCheckpoints();
  void SaveCheckpointNow();

  LogStore& store_;
  TokenStore& tokens_;
  const Post post_;
  const Clock clock_;
  Metrics metrics_;

  mutable std::shared_mutex models_mu_;
  ReadModels models_;  // guarded by models_mu_

  // KPI bodies by the request they answer (log position included), so a
  // query repeated while nothing is written is computed and rendered once;
  // synergy bodies by id and version, so an unchanged synergy is rendered
  // once.
  BodyCache kpi_bodies_{64u << 20};
  BodyCache synergy_bodies_{128u << 20};

  mutable std::shared_mutex tokens_mu_;
  std::map<std::string, TokenRecord> tokens_by_hash_;  // guarded by tokens_mu_

  // Appends submitted and not yet completed; the destructor waits for 0.
  std::mutex in_flight_mu_;
  std::condition_variable in_flight_cv_;
  int in_flight_ = 0;  // guarded by in_flight_mu_

  CheckpointStore* const checkpoints_;
  Backup backup_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;          // guarded by checkpoint_mu_
  std::uint64_t checkpointed_ = 0;        // guarded by checkpoint_mu_
  std::thread checkpoint_thread_;

  std::atomic<bool> ready_{false};
  std::mutex ready_mu_;
  std::condition_variable ready_cv_;
  std::thread catch_up_;

  std::mutex waiters_mu_;
  std::condition_variable waiters_cv_;
  std::list<Waiter> waiters_;       // guarded by waiters_mu_
  std::uint64_t woken_position_ = 0;  // guarded by waiters_mu_
  std::uint64_t waiters_added_ = 0;   // guarded by waiters_mu_
  bool stopping_ = false;           // guarded by waiters_mu_
  std::thread feed_thread_;

  // Lists of synergies, and backups and chain verifications, each on a
  // thread of their own (a list never waits behind a backup). Last: they
  // finish the ones they were given before anything else is destroyed.
  SerialWorker lists_{"synergy-lists"};
  SerialWorker slow_{"slow-requests"};
};

}  // namespace synergy::api

#endif  // SYNERGY_API_SERVICE_H_
