#include "suite.hpp"

#include <janitor/sigv4/signer.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace janitor::sigv4::suite {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.filename().string());
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::erase(s, '\r');  // fixtures may have been checked out with CRLF
  return s;
}

struct parsed_request {
  std::string request_line_method, target, version;
  std::vector<std::string> raw_header_lines;  // as written, continuation lines included
  http_request req;
  std::string body;
};

parsed_request parse_request(const std::string& text) {
  parsed_request p;
  std::size_t pos = text.find('\n');
  const std::string first = text.substr(0, pos);
  const std::size_t sp1 = first.find(' ');
  const std::size_t sp2 = first.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) throw std::runtime_error("request.txt: bad request line");
  p.req.method = first.substr(0, sp1);
  p.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  p.version = first.substr(sp2 + 1);
  const std::size_t q = p.target.find('?');
  p.req.path = p.target.substr(0, q);
  if (q != std::string::npos) p.req.query = p.target.substr(q + 1);

  pos = pos == std::string::npos ? text.size() : pos + 1;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    const bool last = eol == std::string::npos;
    if (last) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = last ? text.size() : eol + 1;
    if (line.empty()) {
      p.body = text.substr(pos);
      break;
    }
    p.raw_header_lines.push_back(line);
    if (line[0] == ' ' || line[0] == '\t') {
      if (p.req.headers.empty()) throw std::runtime_error("request.txt: continuation line before any header");
      p.req.headers.back().value.append("\n").append(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("request.txt: header line without ':'");
    p.req.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  p.req.body = p.body;
  return p;
}

std::chrono::sys_seconds parse_timestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char z = 0;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 ||
      z != 'Z') {
    throw std::runtime_error("context.json: timestamp is not YYYY-MM-DDTHH:MM:SSZ");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) throw std::runtime_error("context.json: timestamp is not a valid date");
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{sec};
}

struct context {
  signing_config cfg;
  credentials creds;
};

context parse_context(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) throw std::runtime_error("context.json: not a JSON object");
  const auto& o = v.as_object();
  context c;
  for (const auto& [key, val] : o) {
    if (key == "credentials") {
      if (!val.is_object()) throw std::runtime_error("context.json: credentials is not an object");
      for (const auto& [ck, cv] : val.as_object()) {
        if (!cv.is_string())
          throw std::runtime_error("context.json: credentials." + std::string(ck) + " is not a string");
        const std::string_view s = cv.as_string();
        if (ck == "access_key_id")
          c.creds.access_key_id = s;
        else if (ck == "secret_access_key")
          c.creds.secret_access_key.assign(s);
        else if (ck == "token")
          c.creds.session_token.assign(s);
        else
          throw std::runtime_error("context.json: unknown credentials field " + std::string(ck));
      }
    } else if (key == "region" && val.is_string()) {
      c.cfg.region = val.as_string();
    } else if (key == "service" && val.is_string()) {
      c.cfg.service = val.as_string();
    } else if (key == "timestamp" && val.is_string()) {
      c.cfg.timestamp = parse_timestamp(val.as_string());
    } else if (key == "expiration_in_seconds" && val.is_int64()) {
      c.cfg.expires = std::chrono::seconds{val.as_int64()};
    } else if (key == "normalize" && val.is_bool()) {
      c.cfg.normalize_uri_path = val.as_bool();
    } else if (key == "sign_body" && val.is_bool()) {
      c.cfg.add_content_sha256_header = val.as_bool();
    } else if (key == "omit_session_token" && val.is_bool()) {
      c.cfg.omit_session_token = val.as_bool();
    } else if ((key == "double_uri_encode" || key == "use_double_uri_encode") && val.is_bool()) {
      c.cfg.use_double_uri_encode = val.as_bool();
    } else if (key == "unsigned_payload" && val.is_bool()) {
      c.cfg.unsigned_payload = val.as_bool();
    } else {
      throw std::runtime_error("context.json: unknown or mistyped field " + std::string(key));
    }
  }
  if (c.cfg.region.empty() || c.cfg.service.empty() || c.creds.access_key_id.empty()) {
    throw std::runtime_error("context.json: region, service and credentials are required");
  }
  return c;
}

// A short, readable account of where two texts part.
std::string describe_mismatch(const std::string& what, const std::string& expected,
                              const std::string& actual) {
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  std::size_t line = 1 + static_cast<std::size_t>(std::count(expected.begin(), expected.begin() + i, '\n'));
  auto line_at = [](const std::string& s, std::size_t at) {
    std::size_t b = s.rfind('\n', at == 0 ? 0 : at - 1);
    b = (b == std::string::npos || at == 0) ? 0 : b + 1;
    std::size_t e = s.find('\n', at);
    return s.substr(b, (e == std::string::npos ? s.size() : e) - b);
  };
  return what + ": differs at byte " + std::to_string(i) + " (line " + std::to_string(line) +
         ")\n    expected: " + line_at(expected, std::min(i, expected.size())) +
         "\n    actual:   " + line_at(actual, std::min(i, actual.size()));
}

void check(case_result& r, const fs::path& file, const std::string& actual) {
  if (!fs::exists(file)) return;
  ++r.checks;
  const std::string expected = read_file(file);
  if (expected != actual) r.failures.push_back(describe_mismatch(file.filename().string(), expected, actual));
}

void run_variant(case_result& r, const fs::path& dir, const parsed_request& p, context c,
                 signature_type type) {
  const std::string prefix = type == signature_type::headers ? "header-" : "query-";
  c.cfg.type = type;
  signing_state st;
  const signing_result res = sign(p.req, c.cfg, c.creds, nullptr, &st);
  check(r, dir / (prefix + "canonical-request.txt"), st.canonical_request);
  check(r, dir / (prefix + "string-to-sign.txt"), st.string_to_sign);
  check(r, dir / (prefix + "signature.txt"), st.signature);

  std::string signed_req;
  if (type == signature_type::headers) {
    signed_req = p.req.method + " " + p.target + " " + p.version + "\n";
  } else {
    signed_req = p.req.method + " " + p.req.path + "?" + p.req.query + (p.req.query.empty() ? "" : "&") +
                 res.query + " " + p.version + "\n";
  }
  for (const auto& line : p.raw_header_lines) signed_req.append(line).append("\n");
  for (const auto& h : res.headers) signed_req.append(h.name).append(":").append(h.value).append("\n");
  signed_req.append("\n").append(p.body);
  check(r, dir / (prefix + "signed-request.txt"), signed_req);
}

}  // namespace

std::vector<fs::path> list_cases(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "context.json")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

case_result run_case(const fs::path& case_dir) {
  case_result r;
  r.name = case_dir.filename().string();
  try {
    const parsed_request p = parse_request(read_file(case_dir / "request.txt"));
    const context c = parse_context(read_file(case_dir / "context.json"));
    if (!fs::exists(case_dir / "header-signature.txt"))
      r.failures.push_back("header-signature.txt is missing");
    run_variant(r, case_dir, p, c, signature_type::headers);
    if (fs::exists(case_dir / "query-signature.txt")) run_variant(r, case_dir, p, c, signature_type::query);
  } catch (const std::exception& e) {
    r.failures.push_back(e.what());
  }
  return r;
}

}  // namespace janitor::sigv4::suite
