#include "bench/loadgen/benchclient.h"

#include "bench/loadgen/httpupgrade_p.h"
#include "bench/loadgen/monotonic_p.h"
#include "protocol/hubcontract.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace farmchat::bench {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr std::string_view kJoinId = "join";

constexpr std::string_view wireName(const hubcontract::Method &method)
{
    return {method.name.data(), std::size_t(method.name.size())};
}
constexpr std::string_view kJoinRoom = wireName(hubcontract::kJoinRoom);
constexpr std::string_view kSendToRoom = wireName(hubcontract::kSendToRoom);
constexpr std::string_view kMessageReceived = wireName(hubcontract::kMessageReceived);
// appendSignalrInvocation() writes the room, then the text when there is one.
static_assert(hubcontract::kJoinRoom.argumentCount == 1);
static_assert(hubcontract::kSendToRoom.argumentCount == 2);
} // namespace

BenchClient::BenchClient(
    int index, const Endpoint &endpoint, WireKind kind, std::string room, ClientListener &listener)
    : m_index(index)
    , m_endpoint(endpoint)
    , m_kind(kind)
    , m_room(std::move(room))
    , m_listener(listener)
    , m_rng(0x9E3779B97F4A7C15ULL ^ (std::uint64_t(index) * 0xBF58476D1CE4E5B9ULL)
          ^ std::uint64_t(monotonicNs()))
{ }

BenchClient::~BenchClient()
{
    closeSocket();
}

std::uint32_t BenchClient::nextMask()
{
    // xorshift64*: unpredictable enough for RFC 6455 masking, and cheap.
    m_rng ^= m_rng >> 12;
    m_rng ^= m_rng << 25;
    m_rng ^= m_rng >> 27;
    return static_cast<std::uint32_t>((m_rng * 0x2545F4914F6CDD1DULL) >> 32);
}

void BenchClient::start(int epfd, bool negotiate)
{
    m_epfd = epfd;
    m_negotiate = negotiate && m_kind == WireKind::SignalR;
    connectSocket();
}

void BenchClient::connectSocket()
{
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return fail(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (m_source != 0) {
        // The port is picked at connect(), per (source, destination) pair.
        ::setsockopt(m_fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in from {};
        from.sin_family = AF_INET;
        from.sin_addr.s_addr = htonl(m_source);
        if (::bind(m_fd, reinterpret_cast<const sockaddr *>(&from), sizeof from) < 0)
            return fail(std::string("bind: ") + std::strerror(errno));
    }
    const int rc = ::connect(
        m_fd, reinterpret_cast<const sockaddr *>(&m_endpoint.address), sizeof m_endpoint.address);
    if (rc < 0 && errno != EINPROGRESS)
        return fail(std::string("connect: ") + std::strerror(errno));
    m_state = State::Connecting;
    epoll_event ev {};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = static_cast<std::uint64_t>(m_index);
    m_wantWrite = true;
    if (::epoll_ctl(m_epfd, EPOLL_CTL_ADD, m_fd, &ev) < 0)
        return fail(std::string("epoll_ctl: ") + std::strerror(errno));
}

void BenchClient::onEvents(std::uint32_t events)
{
    if (m_fd < 0)
        return;
    if (events & EPOLLOUT)
        onWritable();
    if (m_fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        onReadable();
}

void BenchClient::onWritable()
{
    if (m_state == State::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
            return fail(std::string("connect to port ") + std::to_string(m_endpoint.port) + ": "
                + std::strerror(err));
        m_in.clear();
        if (m_negotiate && m_token.empty()) {
            m_state = State::Negotiating;
            queueRaw(
                httpupgrade::negotiateRequest(m_endpoint.host, m_endpoint.port, m_endpoint.path));
        } else {
            m_state = State::Upgrading;
            m_key = httpupgrade::randomKey(m_rng + std::uint64_t(m_index));
            queueRaw(httpupgrade::upgradeRequest(m_endpoint.host, m_endpoint.port,
                chatwire::upgradeTarget(m_kind, m_endpoint.path, m_token), m_key));
        }
        return;
    }
    flush();
}

void BenchClient::onReadable()
{
    static thread_local std::string buffer(kReadChunk, '\0');
    for (int round = 0; round < 4 && m_fd >= 0; ++round) {
        const ssize_t n = ::read(m_fd, buffer.data(), buffer.size());
        if (n > 0) {
            const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
            if (m_state == State::Negotiating || m_state == State::Upgrading) {
                m_in.append(chunk);
                handleHttp();
            } else {
                m_parser.feed(chunk);
                handleFrames();
            }
            if (static_cast<std::size_t>(n) < buffer.size())
                return;
            continue;
        }
        if (n == 0) {
            if (m_state == State::Negotiating)
                return handleHttp();
            return fail("server closed the connection");
        }
        if (errno == EAGAIN || errno == EINTR)
            return;
        return fail(std::string("read: ") + std::strerror(errno));
    }
}

void BenchClient::handleHttp()
{
    const std::size_t end = httpupgrade::headerEnd(m_in);
    if (end == std::string::npos) {
        if (m_in.size() > 64 * 1024)
            fail("HTTP answer header larger than 64 KiB");
        return;
    }
    const std::string_view head(m_in.data(), end);
    if (m_state == State::Negotiating) {
        const std::string_view lengthText = httpupgrade::headerValue(head, "Content-Length");
        const std::size_t length = lengthText.empty() ? 0 : std::stoul(std::string(lengthText));
        if (m_in.size() - end < length)
            return;
        if (httpupgrade::statusCode(head) != 200)
            return fail("negotiate refused: " + std::string(head.substr(0, head.find("\r\n"))));
        Result<std::string> token
            = httpupgrade::negotiateToken(std::string_view(m_in).substr(end, length));
        if (!token)
            return fail(token.error().toStdString());
        m_token = std::move(token).value();
        ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, m_fd, nullptr);
        ::close(m_fd);
        m_fd = -1;
        m_out.clear();
        m_outPos = 0;
        return connectSocket();
    }
    if (const Result<void> upgrade = httpupgrade::checkUpgradeResponse(head, m_key); !upgrade)
        return fail(upgrade.error().toStdString());
    const std::string rest = m_in.substr(end);
    m_in.clear();
    m_in.shrink_to_fit();
    upgraded(rest);
}

void BenchClient::upgraded(std::string_view rest)
{
    switch (m_kind) {
    case WireKind::SignalR:
        m_state = State::Handshaking;
        queueFrame(WsOpcode::Text, chatwire::signalrHandshake());
        break;
    case WireKind::SocketIo:
        m_state = State::Handshaking; // waits for the Engine.IO open packet
        break;
    case WireKind::Raw:
        m_state = State::Ready;
        m_listener.clientReady(*this);
        break;
    }
    if (!rest.empty() && m_fd >= 0) {
        m_parser.feed(rest);
        handleFrames();
    }
}

void BenchClient::handleFrames()
{
    for (;;) {
        switch (m_parser.next(m_message)) {
        case WsFrameParser::Status::NeedMore:
            return;
        case WsFrameParser::Status::Error:
            return fail("bad frame from server: " + m_parser.error());
        case WsFrameParser::Status::Message:
            break;
        }
        switch (m_message.opcode) {
        case WsOpcode::Text:
        case WsOpcode::Binary:
            handleText(m_message.payload);
            break;
        case WsOpcode::Ping:
            queueFrame(WsOpcode::Pong, m_message.payload);
            break;
        case WsOpcode::Close: {
            std::string why = "server sent close";
            if (m_message.payload.size() >= 2) {
                const auto *p = reinterpret_cast<const unsigned char *>(m_message.payload.data());
                why += ' ' + std::to_string((p[0] << 8) | p[1]) + ' ' + m_message.payload.substr(2);
            }
            return fail(why);
        }
        default:
            break;
        }
        if (m_fd < 0)
            return;
    }
}

void BenchClient::handleText(std::string_view payload)
{
    switch (m_kind) {
    case WireKind::SignalR:
        chatwire::forEachRecord(payload, [this](std::string_view record) {
            if (m_fd >= 0)
                handleSignalrRecord(record);
        });
        break;
    case WireKind::SocketIo:
        handleSocketIo(payload);
        break;
    case WireKind::Raw: {
        chatwire::Tag tag;
        if (chatwire::findTag(payload, tag))
            m_listener.delivery(*this, tag);
        break;
    }
    }
}

void BenchClient::handleSignalrRecord(std::string_view record)
{
    const int type = chatwire::signalrType(record);
    if (m_state == State::Handshaking) {
        if (type != 0 || record.find("\"error\"") != std::string_view::npos)
            return fail("SignalR handshake refused: " + std::string(record));
        m_state = State::Joining;
        std::string join;
        chatwire::appendSignalrInvocation(join, kJoinRoom, m_room, {}, kJoinId);
        queueFrame(WsOpcode::Text, join);
        return;
    }
    switch (type) {
    case 1: {
        chatwire::Tag tag;
        if (record.find(kMessageReceived) != std::string_view::npos
            && chatwire::findTag(record, tag))
            m_listener.delivery(*this, tag);
        break;
    }
    case 3:
        if (record.find("\"error\"") != std::string_view::npos) {
            if (m_state == State::Joining)
                return fail(std::string(kJoinRoom) + " failed: " + std::string(record));
            m_listener.protocolError(*this, record);
        } else if (m_state == State::Joining) {
            m_state = State::Ready;
            m_listener.clientReady(*this);
        }
        break;
    case 6:
        break;
    case 7:
        return fail("server sent SignalR Close: " + std::string(record));
    default:
        m_listener.protocolError(*this, record);
    }
}

void BenchClient::handleSocketIo(std::string_view packet)
{
    if (packet.empty())
        return;
    switch (packet[0]) {
    case '0': // Engine.IO open: {"sid","pingInterval","pingTimeout",...}
        queueFrame(WsOpcode::Text, "40");
        return;
    case '1':
        return fail("Engine.IO close packet");
    case '2':
        queueFrame(WsOpcode::Text, "3" + std::string(packet.substr(1)));
        return;
    case '3':
        return;
    case '4':
        break;
    default:
        m_listener.protocolError(*this, packet);
        return;
    }
    const std::string_view sio = packet.substr(1);
    if (sio.empty())
        return;
    switch (sio[0]) {
    case '0': // CONNECT answered: join the room with an acknowledgement.
        if (m_state == State::Handshaking) {
            m_state = State::Joining;
            std::string join;
            chatwire::appendSocketIoEvent(join, "join", m_room, {}, 1);
            queueFrame(WsOpcode::Text, join);
        }
        return;
    case '3': // ACK of the join
        if (m_state == State::Joining) {
            m_state = State::Ready;
            m_listener.clientReady(*this);
        }
        return;
    case '2': {
        chatwire::Tag tag;
        if (chatwire::findTag(sio, tag))
            m_listener.delivery(*this, tag);
        return;
    }
    case '4':
        return fail("Socket.IO connect error: " + std::string(sio));
    case '1':
        return fail("Socket.IO disconnect");
    default:
        m_listener.protocolError(*this, packet);
    }
}

bool BenchClient::sendChat(std::string_view text)
{
    if (m_state != State::Ready || m_fd < 0)
        return false;
    static thread_local std::string payload;
    payload.clear();
    switch (m_kind) {
    case WireKind::SignalR:
        chatwire::appendSignalrInvocation(payload, kSendToRoom, m_room, text, {});
        break;
    case WireKind::SocketIo:
        chatwire::appendSocketIoEvent(payload, "chat", m_room, text, -1);
        break;
    case WireKind::Raw:
        payload.assign(text);
        break;
    }
    m_lastSendNs = monotonicNs();
    queueFrame(WsOpcode::Text, payload);
    return m_fd >= 0;
}

void BenchClient::keepAlive(std::int64_t nowNs, std::int64_t intervalNs)
{
    if (m_kind != WireKind::SignalR || m_state != State::Ready || nowNs - m_lastSendNs < intervalNs)
        return;
    m_lastSendNs = nowNs;
    queueFrame(WsOpcode::Text, chatwire::signalrPing());
}

void BenchClient::close()
{
    if (m_fd < 0)
        return;
    if (m_state == State::Ready || m_state == State::Joining || m_state == State::Handshaking) {
        const char code[2] = {char(0x03), char(0xE8)}; // 1000 normal closure
        queueFrame(WsOpcode::Close, std::string_view(code, 2));
    }
    closeSocket();
    m_state = State::Closed;
}

void BenchClient::queueFrame(WsOpcode opcode, std::string_view payload)
{
    appendWsFrame(m_out, opcode, payload, true, nextMask());
    flush();
}

void BenchClient::queueRaw(std::string_view bytes)
{
    m_out.append(bytes);
    flush();
}

void BenchClient::flush()
{
    while (m_fd >= 0 && m_outPos < m_out.size()) {
        const ssize_t n
            = ::send(m_fd, m_out.data() + m_outPos, m_out.size() - m_outPos, MSG_NOSIGNAL);
        if (n > 0) {
            m_outPos += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return setWantWrite(true);
        return fail(std::string("write: ") + std::strerror(errno));
    }
    m_out.clear();
    m_outPos = 0;
    if (m_state != State::Connecting)
        setWantWrite(false);
}

void BenchClient::setWantWrite(bool want)
{
    if (want == m_wantWrite || m_fd < 0)
        return;
    m_wantWrite = want;
    epoll_event ev {};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(m_index);
    ::epoll_ctl(m_epfd, EPOLL_CTL_MOD, m_fd, &ev);
}

void BenchClient::fail(const std::string &why)
{
    closeSocket();
    const bool wasOpen = m_state != State::Closed;
    m_state = State::Closed;
    if (wasOpen)
        m_listener.clientFailed(*this, why);
}

void BenchClient::closeSocket()
{
    if (m_fd < 0)
        return;
    if (m_epfd >= 0)
        ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, m_fd, nullptr);
    ::close(m_fd);
    m_fd = -1;
}

} // namespace farmchat::bench
