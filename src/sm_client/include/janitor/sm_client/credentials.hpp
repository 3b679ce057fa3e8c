#pragma once

// Credential providers in the AWS order: environment, shared files (static keys,
// then credential_process), container credentials, EC2 instance metadata
// (IMDSv2). Temporary credentials are cached and refreshed before they expire.

#include <janitor/sigv4/signer.hpp>
#include <janitor/sm_client/config.hpp>
#include <janitor/sm_client/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace janitor::sm {

struct credentials_result {
  error_info error;
  sigv4::credentials creds;
  std::optional<std::chrono::system_clock::time_point> expiration;  // nullopt: static
  std::string source;                                               // "environment", "profile default", ...
};

class credentials_provider {
 public:
  virtual ~credentials_provider() = default;
  virtual boost::asio::awaitable<credentials_result> resolve() = 0;
};

// Fixed credentials (tests, embedding programs that have their own).
std::shared_ptr<credentials_provider> make_static_credentials(sigv4::credentials creds);

struct credential_chain_options {
  environment env;
  std::string profile_flag;        // --profile: when given, environment keys are not used
  std::optional<aws_files> files;  // already loaded (load_aws_files)
  std::chrono::milliseconds metadata_timeout{1000};
  std::chrono::milliseconds process_timeout{30000};
  std::function<std::chrono::system_clock::time_point()> now;  // default: system_clock
};

// The whole chain, cached: a provider that answers from its cache until the
// credentials are within five minutes of expiring, then resolves again. When
// nothing yields credentials, the error lists every source that was tried.
std::shared_ptr<credentials_provider> make_default_credentials_chain(boost::asio::any_io_executor ex,
                                                                     credential_chain_options opts);

// Parses the JSON that credential_process programs and container endpoints print.
credentials_result parse_credentials_json(std::string_view json, std::string_view source,
                                          bool process_format);

}  // namespace janitor::sm
