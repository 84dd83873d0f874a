// weft's native addon for traffic capture: reads a redirected TCP
// connection's original destination with getsockopt(SO_ORIGINAL_DST), which
// Node has no API for (iptables' REDIRECT rewrites the destination; the
// kernel's conntrack entry still knows where the connection was going).
//
// Plain N-API (C API, node_api.h), so the binary does not depend on V8's
// C++ ABI. One function:
//   originalDst(fd: number) -> "ip:port" string (IPv4) or "[ip]:port" (IPv6),
//   or a number: the errno of getsockopt (ENOENT when the connection was not
//   NATed, ENOPROTOOPT when conntrack is absent, EBADF for a bad fd).
// Returning the errno instead of throwing keeps the per-connection path free
// of exception objects; the caller names the error.
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value OriginalDst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1) {
    napi_throw_type_error(env, nullptr, "originalDst(fd) takes a file descriptor");
    return nullptr;
  }
  int32_t fd = -1;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_create_int32(env, EBADF, &result);
    return result;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  int rc = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len);
  if (rc != 0 && (errno == ENOPROTOOPT || errno == ENOENT)) {
    // An IPv6 socket: ip6tables' REDIRECT keeps the original under SOL_IPV6.
    struct sockaddr_storage ss6;
    socklen_t len6 = sizeof(ss6);
    memset(&ss6, 0, sizeof(ss6));
    int saved = errno;
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss6, &len6) == 0) {
      ss = ss6;
      rc = 0;
    } else {
      errno = saved;
    }
  }
  if (rc != 0) {
    napi_create_int32(env, errno, &result);
    return result;
  }
  char ip[INET6_ADDRSTRLEN];
  char out[INET6_ADDRSTRLEN + 10];
  int n = 0;
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in* a = reinterpret_cast<const struct sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    n = snprintf(out, sizeof(out), "%s:%u", ip, ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6* a = reinterpret_cast<const struct sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    n = snprintf(out, sizeof(out), "[%s]:%u", ip, ntohs(a->sin6_port));
  } else {
    napi_create_int32(env, EAFNOSUPPORT, &result);
    return result;
  }
  napi_create_string_utf8(env, out, static_cast<size_t>(n), &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, OriginalDst, nullptr, &fn);
  napi_set_named_property(env, exports, "originalDst", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
