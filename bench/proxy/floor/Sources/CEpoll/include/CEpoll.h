// epoll and accept4 for rawfloor: Swift's Glibc module exports neither.
#ifndef CEPOLL_H
#define CEPOLL_H
#include <sys/epoll.h>

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK).
int cepoll_accept_nonblocking(int fd);
#endif
