#include "bench/loadgen/fanoutserver.h"

#include "bench/loadgen/httpupgrade_p.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace farmchat::bench {

namespace {
constexpr std::uint64_t kListenId = ~std::uint64_t(0);
constexpr std::uint64_t kSignalId = ~std::uint64_t(0) - 1;
constexpr std::size_t kMaxOutBytes = 16 * 1024 * 1024; // a client this far behind is dropped
} // namespace

FanoutServer::~FanoutServer()
{
    for (std::size_t i = 0; i < m_connections.size(); ++i)
        drop(i);
    for (int fd : {m_listenFd, m_signalFd, m_epfd}) {
        if (fd >= 0)
            ::close(fd);
    }
}

Result<void> FanoutServer::listen(std::uint16_t port)
{
    m_epfd = ::epoll_create1(EPOLL_CLOEXEC);
    m_listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listenFd, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        return Result<void>::failure(
            QStringLiteral("cannot listen on 127.0.0.1:%1: %2").arg(port).arg(why));
    }
    if (::listen(m_listenFd, 4096) < 0)
        return Result<void>::failure(
            QStringLiteral("listen: ") + QString::fromLocal8Bit(std::strerror(errno)));
    socklen_t len = sizeof address;
    ::getsockname(m_listenFd, reinterpret_cast<sockaddr *>(&address), &len);
    m_port = ntohs(address.sin_port);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    m_signalFd = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

    epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenId;
    ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, m_listenFd, &ev);
    ev.data.u64 = kSignalId;
    ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, m_signalFd, &ev);
    return {};
}

int FanoutServer::exec()
{
    epoll_event events[512];
    for (;;) {
        const int n = ::epoll_wait(m_epfd, events, 512, -1);
        if (n < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n; ++i) {
            const std::uint64_t id = events[i].data.u64;
            if (id == kSignalId)
                return 0;
            if (id == kListenId) {
                accept();
                continue;
            }
            auto &c = m_connections[id];
            if (!c)
                continue;
            if (events[i].events & EPOLLOUT)
                flush(*c, id);
            if (m_connections[id] && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                onReadable(id);
        }
        // Coalesce: one write per client per loop turn, whatever was broadcast.
        for (std::size_t slot : m_dirty) {
            if (m_connections[slot])
                flush(*m_connections[slot], slot);
        }
        m_dirty.clear();
    }
}

void FanoutServer::accept()
{
    for (;;) {
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::size_t slot = 0;
        while (slot < m_connections.size() && m_connections[slot])
            ++slot;
        if (slot == m_connections.size())
            m_connections.emplace_back();
        m_connections[slot] = std::make_unique<Connection>();
        m_connections[slot]->fd = fd;
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = slot;
        ::epoll_ctl(m_epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

void FanoutServer::onReadable(std::size_t slot)
{
    static thread_local std::string buffer(256 * 1024, '\0');
    Connection &c = *m_connections[slot];
    const ssize_t n = ::read(c.fd, buffer.data(), buffer.size());
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return drop(slot);
    if (n < 0)
        return;
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    if (!c.upgraded) {
        c.in.append(chunk);
        return handleHttp(c, slot);
    }
    c.parser.feed(chunk);
    handleFrames(c, slot);
}

void FanoutServer::handleHttp(Connection &c, std::size_t slot)
{
    const std::size_t end = httpupgrade::headerEnd(c.in);
    if (end == std::string::npos) {
        if (c.in.size() > 16 * 1024)
            drop(slot);
        return;
    }
    const std::string_view head(c.in.data(), end);
    const std::string_view key = httpupgrade::headerValue(head, "Sec-WebSocket-Key");
    if (key.empty() || head.substr(0, 4) != "GET ") {
        const std::string_view answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        c.out.append(answer);
        flush(c, slot);
        return drop(slot);
    }
    c.out += httpupgrade::upgradeResponse(key);
    c.upgraded = true;
    m_upgraded.push_back(slot);
    const std::string rest = c.in.substr(end);
    c.in.clear();
    flush(c, slot);
    if (!rest.empty() && m_connections[slot]) {
        c.parser.feed(rest);
        handleFrames(c, slot);
    }
}

void FanoutServer::handleFrames(Connection &c, std::size_t slot)
{
    for (;;) {
        switch (c.parser.next(m_message)) {
        case WsFrameParser::Status::NeedMore:
            return;
        case WsFrameParser::Status::Error:
            return drop(slot);
        case WsFrameParser::Status::Message:
            break;
        }
        switch (m_message.opcode) {
        case WsOpcode::Text:
        case WsOpcode::Binary:
            broadcast(m_message.payload);
            break;
        case WsOpcode::Ping:
            appendWsFrame(c.out, WsOpcode::Pong, m_message.payload, false);
            flush(c, slot);
            break;
        case WsOpcode::Close:
            appendWsFrame(c.out, WsOpcode::Close, m_message.payload.substr(0, 2), false);
            flush(c, slot);
            return drop(slot);
        default:
            break;
        }
        if (!m_connections[slot])
            return;
    }
}

void FanoutServer::broadcast(std::string_view text)
{
    m_frame.clear();
    appendWsFrame(m_frame, WsOpcode::Text, text, false);
    for (std::size_t slot : m_upgraded) {
        Connection &c = *m_connections[slot];
        c.out += m_frame;
        if (!c.dirty) {
            c.dirty = true;
            m_dirty.push_back(slot);
        }
    }
}

void FanoutServer::flush(Connection &c, std::size_t slot)
{
    c.dirty = false;
    while (c.outPos < c.out.size()) {
        const ssize_t n
            = ::send(c.fd, c.out.data() + c.outPos, c.out.size() - c.outPos, MSG_NOSIGNAL);
        if (n > 0) {
            c.outPos += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (c.out.size() - c.outPos > kMaxOutBytes)
                return drop(slot);
            if (!c.wantWrite) {
                c.wantWrite = true;
                epoll_event ev {};
                ev.events = EPOLLIN | EPOLLOUT;
                ev.data.u64 = slot;
                ::epoll_ctl(m_epfd, EPOLL_CTL_MOD, c.fd, &ev);
            }
            return;
        }
        return drop(slot);
    }
    c.out.clear();
    c.outPos = 0;
    if (c.wantWrite) {
        c.wantWrite = false;
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = slot;
        ::epoll_ctl(m_epfd, EPOLL_CTL_MOD, c.fd, &ev);
    }
}

void FanoutServer::drop(std::size_t slot)
{
    auto &c = m_connections[slot];
    if (!c)
        return;
    ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    if (c->upgraded)
        std::erase(m_upgraded, slot);
    c.reset();
}

} // namespace farmchat::bench
