#include <janitor/sigv4/signer.hpp>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>

namespace sv4 = janitor::sigv4;
using namespace std::chrono_literals;

namespace {
sv4::credentials example_creds() {
  sv4::credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key.assign("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return c;
}
sv4::signing_config example_cfg() {
  sv4::signing_config cfg;
  cfg.region = "us-east-1";
  cfg.service = "service";
  cfg.timestamp = std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + 12h + 36min;
  return cfg;
}
std::string canonical(const sv4::http_request& req, const sv4::signing_config& cfg = example_cfg()) {
  sv4::signing_state st;
  sv4::build_canonical_request(st, req, cfg, example_creds());
  return st.canonical_request;
}
}  // namespace

TEST_CASE("amz date formatting") {
  CHECK(sv4::format_amz_date(example_cfg().timestamp) == "20150830T123600Z");
  CHECK(sv4::format_amz_date(std::chrono::sys_seconds{0s}) == "19700101T000000Z");
  CHECK(sv4::format_amz_date(std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + 23h + 59min + 59s) ==
        "20240229T235959Z");
}

TEST_CASE("uri encoding of UTF-8 and reserved characters") {
  CHECK(sv4::uri_encode("\xE1\x88\xB4", false) == "%E1%88%B4");
  CHECK(sv4::uri_encode("a b/c", true) == "a%20b/c");
  CHECK(sv4::uri_encode("a b/c", false) == "a%20b%2Fc");
  CHECK(sv4::uri_encode("-._~AZaz09", false) == "-._~AZaz09");
  CHECK(sv4::uri_encode("!*'();:@&=+$,?#[]%", false) ==
        "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%3F%23%5B%5D%25");
}

TEST_CASE("canonical URI: UTF-8 paths, normalization, double encoding") {
  CHECK(sv4::canonical_uri("/caf\xC3\xA9/men\xC3\xBC", true, true) == "/caf%C3%A9/men%C3%BC");
  CHECK(sv4::canonical_uri("", true, true) == "/");
  CHECK(sv4::canonical_uri("/a/./b/../c//d/", true, true) == "/a/c/d/");
  CHECK(sv4::canonical_uri("/../..", true, true) == "/");
  CHECK(sv4::canonical_uri("/a/./b", false, true) == "/a/./b");
  // Double encoding (every service but S3): an already encoded path is encoded again.
  CHECK(sv4::canonical_uri("/a%20b", true, true) == "/a%2520b");
  CHECK(sv4::canonical_uri("/a%20b", true, false) == "/a%20b");
}

TEST_CASE("canonical query: reserved characters in keys, repeats, empty values, order") {
  CHECK(sv4::canonical_query_string("") == "");
  CHECK(sv4::canonical_query_string("b=2&a=1") == "a=1&b=2");
  CHECK(sv4::canonical_query_string("a=2&a=1&a=10") == "a=1&a=10&a=2");
  CHECK(sv4::canonical_query_string("key") == "key=");
  CHECK(sv4::canonical_query_string("key=") == "key=");
  CHECK(sv4::canonical_query_string("k/e y=v&&") == "k%2Fe%20y=v");
  CHECK(sv4::canonical_query_string("a+b=c+d") == "a%2Bb=c%2Bd");
  // Encoded and raw spellings of the same key sign the same.
  CHECK(sv4::canonical_query_string("%E1%88%B4=x") == sv4::canonical_query_string("\xE1\x88\xB4=x"));
  // A stray '%' that is not an escape is data.
  CHECK(sv4::canonical_query_string("p=100%") == "p=100%25");
  // Sorting is by encoded key, bytewise: upper case before lower case.
  CHECK(sv4::canonical_query_string("b=1&B=2&_=3") == "B=2&_=3&b=1");
}

TEST_CASE("canonical headers: tabs, line folds, case, repeats") {
  sv4::http_request req;
  req.method = "POST";
  req.headers = {{"Host", "example.amazonaws.com"},
                 {"X-Tabbed", "\t a\t\tb  c \t"},
                 {"X-Folded", "one\r\n  two\n\tthree"},
                 {"x-rep", "1"},
                 {"X-REP", " 2 "},
                 {"User-Agent", "never signed"}};
  const std::string cr = canonical(req);
  CHECK(cr.find("x-tabbed:a b c\n") != std::string::npos);
  CHECK(cr.find("x-folded:one two three\n") != std::string::npos);
  CHECK(cr.find("x-rep:1,2\n") != std::string::npos);
  CHECK(cr.find("user-agent") == std::string::npos);
  CHECK(cr.find("\nhost;x-amz-date;x-folded;x-rep;x-tabbed\n") != std::string::npos);
}

TEST_CASE("empty body hashes to the SHA-256 of nothing; UNSIGNED-PAYLOAD on request") {
  sv4::http_request req;
  req.method = "GET";
  req.headers = {{"Host", "h"}};
  CHECK(canonical(req).ends_with("\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  auto cfg = example_cfg();
  cfg.unsigned_payload = true;
  CHECK(canonical(req, cfg).ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST_CASE("very long header values are kept whole") {
  sv4::http_request req;
  req.method = "GET";
  const std::string longv(100000, 'v');
  req.headers = {{"Host", "h"}, {"X-Long", "  " + longv + "  "}};
  CHECK(canonical(req).find("x-long:" + longv + "\n") != std::string::npos);
}

TEST_CASE("a Secrets Manager request signs with the session token and the target header") {
  sv4::http_request req;
  req.method = "POST";
  req.headers = {{"Host", "secretsmanager.us-east-1.amazonaws.com"},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "secretsmanager.GetSecretValue"}};
  req.body = R"({"SecretId":"app/config"})";
  auto creds = example_creds();
  creds.session_token.assign("TOKEN123");
  auto cfg = example_cfg();
  cfg.service = "secretsmanager";
  sv4::signing_state st;
  const auto res = sv4::sign(req, cfg, creds, nullptr, &st);
  CHECK(st.signed_headers == "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
  REQUIRE(res.headers.size() == 3);
  CHECK(res.headers[0].name == "X-Amz-Security-Token");
  CHECK(res.headers[1].name == "X-Amz-Date");
  CHECK(res.headers[2].name == "Authorization");
  CHECK(res.headers[2].value.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, "
      "SignedHeaders="));
  // Any change to the body changes the signature.
  sv4::signing_state st2;
  req.body = R"({"SecretId":"app/config2"})";
  sv4::sign(req, cfg, creds, nullptr, &st2);
  CHECK(st2.signature != st.signature);
}

TEST_CASE("the key cache derives once per day, region, service and key") {
  sv4::signing_key_cache cache;
  const auto creds = example_creds();
  const auto k1 = cache.get(creds, "20150830", "us-east-1", "secretsmanager");
  const auto k2 = cache.get(creds, "20150830", "us-east-1", "secretsmanager");
  CHECK(cache.derivations() == 1);
  CHECK(k1.data() == k2.data());
  CHECK(k1.data() ==
        sv4::derive_signing_key(creds.secret_access_key.view(), "20150830", "us-east-1", "secretsmanager")
            .data());
  cache.get(creds, "20150831", "us-east-1", "secretsmanager");
  CHECK(cache.derivations() == 2);
  auto rotated = creds;
  rotated.secret_access_key.assign("another-secret");
  const auto k3 = cache.get(rotated, "20150831", "us-east-1", "secretsmanager");
  CHECK(cache.derivations() == 3);
  CHECK(k3.data() != k1.data());
}

TEST_CASE("known signing key from the AWS documentation example") {
  // From the SigV4 docs: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
  const auto k =
      sv4::derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  std::string hex;
  for (unsigned char b : k.data()) {
    static constexpr char d[] = "0123456789abcdef";
    hex.push_back(d[b >> 4]);
    hex.push_back(d[b & 15]);
  }
  CHECK(hex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("signatures stay right when the signing key changes and comes back (per-thread key state)") {
  // The signature stage keeps the last key's HMAC state per thread; a
  // different key must not reuse it, and the first key must work again after.
  auto reference = [](const sv4::signing_key& key, const std::string& data) {
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data().data(), static_cast<int>(key.data().size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
      static constexpr char digits[] = "0123456789abcdef";
      hex.push_back(digits[mac[i] >> 4]);
      hex.push_back(digits[mac[i] & 0x0f]);
    }
    return hex;
  };
  const sv4::signing_key k1 = sv4::derive_signing_key("secret-one", "20150830", "us-east-1", "service");
  const sv4::signing_key k2 = sv4::derive_signing_key("secret-two", "20150830", "us-east-1", "service");
  for (const auto* k : {&k1, &k1, &k2, &k1, &k2, &k2}) {
    sv4::signing_state st;
    st.string_to_sign = "AWS4-HMAC-SHA256\n20150830T123600Z\nscope\n" + std::to_string(k->data()[0]);
    sv4::build_signature(st, *k);
    CHECK(st.signature == reference(*k, st.string_to_sign));
  }
}

TEST_CASE("the per-thread buffers leave no trace of one request's headers in the next") {
  sv4::http_request a;
  a.method = "POST";
  a.headers = {{"Host", "example.amazonaws.com"},
               {"X-Amz-Target", "secretsmanager.PutSecretValue"},
               {"X-Custom", "a-long-value-that-fills-the-buffer-" + std::string(300, 'z')}};
  sv4::http_request b;
  b.method = "GET";
  b.headers = {{"Host", "example.amazonaws.com"}};
  sv4::signing_state sa;
  sv4::signing_state sb;
  sv4::build_canonical_request(sa, a, example_cfg(), example_creds());
  sv4::build_canonical_request(sb, b, example_cfg(), example_creds());
  CHECK(sb.signed_headers == "host;x-amz-date");
  CHECK(sb.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const auto r1 = sv4::sign(a, example_cfg(), example_creds());
  const auto r2 = sv4::sign(b, example_cfg(), example_creds());
  const auto r3 = sv4::sign(a, example_cfg(), example_creds());
  CHECK(r1.headers.back().value == r3.headers.back().value);
  CHECK(r1.headers.back().value != r2.headers.back().value);
}
