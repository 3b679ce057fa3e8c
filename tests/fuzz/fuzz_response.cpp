// HTTP response handling: raw bytes through Beast's parser with our limits,
// then the error parser and the JSON reader the client uses.
#include <janitor/sigv4/secure_string.hpp>
#include <janitor/sm_client/client.hpp>
#include <janitor/sm_client/secure_json.hpp>

#include <boost/beast/http.hpp>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  namespace http = boost::beast::http;
  using body = http::basic_string_body<char, std::char_traits<char>, janitor::wiping_allocator<char>>;
  http::response_parser<body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && parser.need_eof()) parser.put_eof(ec);
  janitor::sm::http_response res;
  if (!ec && parser.is_done()) {
    res.status = static_cast<int>(parser.get().result_int());
    for (const auto& f : parser.get())
      res.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    res.body.assign({parser.get().body().data(), parser.get().body().size()});
  } else {
    res.status = 400;
    res.body.assign({reinterpret_cast<const char*>(data), size});
  }
  (void)janitor::sm::parse_service_error(res);
  boost::system::error_code jec;
  (void)janitor::sm::parse_secure_json(res.body.view(), jec);
  return 0;
}
