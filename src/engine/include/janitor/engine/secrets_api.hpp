#pragma once

// The narrow view of Secrets Manager the write engine needs. The live client
// implements it; tests drive the engine with scripted fakes of it.

#include <janitor/sm_client/client.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace janitor::engine {

class secrets_api {
 public:
  virtual ~secrets_api() = default;
  [[nodiscard]] virtual boost::asio::any_io_executor get_executor() const = 0;
  // GetSecretValue(SecretId, VersionStage=AWSCURRENT).
  virtual boost::asio::awaitable<sm::result<sm::secret_value>> read_current(const std::string& secret_id) = 0;
  // PutSecretValue with explicit stages: AWSCURRENT does not move.
  virtual boost::asio::awaitable<sm::result<sm::put_secret_value_result>> put_staged(
      const std::string& secret_id, const secure_string& value, const std::string& token,
      const std::vector<std::string>& stages) = 0;
  // UpdateSecretVersionStage; an empty id leaves that side out.
  virtual boost::asio::awaitable<sm::result<sm::empty_value>> move_stage(const std::string& secret_id,
                                                                         const std::string& stage,
                                                                         const std::string& move_to,
                                                                         const std::string& remove_from) = 0;
  // DescribeSecret's VersionIdsToStages: the stages, never the value.
  virtual boost::asio::awaitable<sm::result<sm::secret_description>> read_stages(
      const std::string& secret_id) = 0;
};

// The live implementation over a secrets_client (which must outlive it).
class client_api final : public secrets_api {
 public:
  explicit client_api(sm::secrets_client& c) : client_(c) {}
  [[nodiscard]] boost::asio::any_io_executor get_executor() const override { return client_.get_executor(); }
  boost::asio::awaitable<sm::result<sm::secret_value>> read_current(const std::string& secret_id) override {
    return client_.get_secret_value(secret_id, "AWSCURRENT");
  }
  boost::asio::awaitable<sm::result<sm::put_secret_value_result>> put_staged(
      const std::string& secret_id, const secure_string& value, const std::string& token,
      const std::vector<std::string>& stages) override {
    return client_.put_secret_value(secret_id, value, token, stages);
  }
  boost::asio::awaitable<sm::result<sm::empty_value>> move_stage(const std::string& secret_id,
                                                                 const std::string& stage,
                                                                 const std::string& move_to,
                                                                 const std::string& remove_from) override {
    return client_.update_secret_version_stage(secret_id, stage, move_to, remove_from);
  }
  boost::asio::awaitable<sm::result<sm::secret_description>> read_stages(
      const std::string& secret_id) override {
    return client_.describe_secret(secret_id);
  }

 private:
  sm::secrets_client& client_;
};

}  // namespace janitor::engine
