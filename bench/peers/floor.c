/* What any client pays at least, for the floors in bench/compare.sh.
 *   floor sign              SHA-256 of a 1 KiB body and one HMAC-SHA256 with OpenSSL 3,
 *                           then exit: the "bare C program" floor of a cold write.
 *   floor requests HOST PORT N
 *                           N small POST requests, one at a time, each response read up to
 *                           its Content-Length and not parsed further: the socket and kernel
 *                           floor of N requests (no signing, no JSON).
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int sign_once(void) {
  unsigned char body[1024], digest[32], mac[32];
  unsigned int len = 0;
  memset(body, 'x', sizeof body);
  if (EVP_Digest(body, sizeof body, digest, &len, EVP_sha256(), NULL) != 1) return 1;
  if (HMAC(EVP_sha256(), "key", 3, digest, sizeof digest, mac, &len) == NULL) return 1;
  return mac[0] == 0 && mac[1] == 0 ? 2 : 0; /* use the result */
}

static int dial(const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  int one = 1;
  if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) return -1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) return perror("connect"), close(fd), -1;
  return fd;
}

/* A new connection only when the server closes the last one (moto does, after
 * every response), as a keep-alive client would. */
static int requests(const char* host, int port, int n) {
  const char* body = "{\"SecretId\":\"floor\"}";
  char req[512];
  int req_len = snprintf(req, sizeof req,
                         "POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/x-amz-json-1.1\r\n"
                         "X-Amz-Target: secretsmanager.ListSecrets\r\nContent-Length: %zu\r\n\r\n%s",
                         host, port, strlen(body), body);
  static char buf[1 << 16];
  int fd = -1;
  for (int i = 0; i < n; ++i) {
    if (fd < 0 && (fd = dial(host, port)) < 0) return 1;
    if (write(fd, req, (size_t)req_len) != req_len) return perror("write"), 1;
    size_t have = 0;
    long need = -1;
    char* end = NULL;
    for (;;) {
      ssize_t r = read(fd, buf + have, sizeof buf - have - 1);
      if (r <= 0) return fprintf(stderr, "floor: connection closed during request %d\n", i), 1;
      have += (size_t)r;
      buf[have] = 0;
      if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
        char* cl = strcasestr(buf, "content-length:");
        need = (long)(end + 4 - buf) + (cl != NULL && cl < end ? atol(cl + 15) : 0);
      }
      if (end != NULL && (long)have >= need) break;
    }
    *end = 0;
    if (strcasestr(buf, "connection: close") != NULL) {
      close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) close(fd);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "sign") == 0) return sign_once();
  if (argc == 5 && strcmp(argv[1], "requests") == 0) return requests(argv[2], atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr, "usage: floor sign | floor requests HOST PORT N\n");
  return 2;
}
