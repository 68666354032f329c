#include "bench/loadgen/loaddriver.h"

#include "bench/loadgen/monotonic_p.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

namespace farmchat::bench {

namespace {
constexpr std::int64_t kMs = 1000000;
constexpr std::int64_t kKeepAliveNs = 10000 * kMs; // under SignalR's 15 s ping / 30 s timeout
constexpr int kMaxSendsPerTick = 2000;
} // namespace

LoadDriver::LoadDriver(DriverOptions options)
    : m_options(std::move(options)), m_epfd(::epoll_create1(EPOLL_CLOEXEC))
{
    const std::size_t groups = m_options.endpoints.size();
    const int rooms = std::max(1, m_options.rooms);
    m_cellReady.assign(static_cast<std::size_t>(rooms) * groups, 0);
    m_clients.reserve(static_cast<std::size_t>(m_options.clients));
    for (int i = 0; i < m_options.clients; ++i) {
        const Endpoint &endpoint = m_options.endpoints[static_cast<std::size_t>(i) % groups];
        const int room = (i / int(groups)) % rooms;
        m_roomOf.push_back(room);
        const std::string name
            = rooms > 1 ? m_options.room + "-" + std::to_string(room) : m_options.room;
        m_clients.push_back(
            std::make_unique<BenchClient>(i, endpoint, m_options.kind, name, *this));
        if (m_options.sourceAddresses > 1)
            m_clients.back()->setSourceAddress(
                0x7f000001u + std::uint32_t(i % m_options.sourceAddresses));
    }
    m_seen.resize(m_clients.size());
}

LoadDriver::~LoadDriver()
{
    closeAll();
    if (m_epfd >= 0)
        ::close(m_epfd);
}

void LoadDriver::closeAll()
{
    for (auto &client : m_clients)
        client->close();
}

double LoadDriver::fanout() const
{
    if (m_ready == 0)
        return 0;
    if (m_options.senders > 0) {
        // Round-robin over the senders: each send reaches its sender's cell.
        if (m_sendList.empty())
            return 0;
        double sum = 0;
        for (const int index : m_sendList)
            sum += double(m_cellReady[cellOf(*m_clients[static_cast<std::size_t>(index)])]);
        return sum / double(m_sendList.size());
    }
    // Senders are picked round-robin among ready clients, so a cell's share
    // of the sends equals its share of the clients.
    double sum = 0;
    for (const int n : m_cellReady)
        sum += double(n) * n;
    return sum / m_ready;
}

std::size_t LoadDriver::cellOf(const BenchClient &client) const
{
    const std::size_t groups = m_options.endpoints.size();
    const auto room = static_cast<std::size_t>(m_roomOf[static_cast<std::size_t>(client.index())]);
    // Backplane off: the sender's node only; else every node, so the cell is
    // the room (counted in its group-0 slot).
    const auto group = m_options.expectSameNodeOnly ? static_cast<std::size_t>(client.group()) : 0;
    return room * groups + group;
}

void LoadDriver::countReady(const BenchClient &client, int delta)
{
    m_ready += delta;
    m_cellReady[cellOf(client)] += delta;
}

std::uint64_t LoadDriver::expectedFor(const BenchClient &sender) const
{
    return std::uint64_t(m_cellReady[cellOf(sender)]);
}

void LoadDriver::launchPending()
{
    while (m_inFlight < m_options.connectConcurrency && m_nextToLaunch < int(m_clients.size())) {
        ++m_inFlight;
        m_clients[static_cast<std::size_t>(m_nextToLaunch++)]->start(m_epfd, m_options.negotiate);
    }
}

ConnectResult LoadDriver::connectAll(int timeoutMs)
{
    const std::int64_t start = monotonicNs();
    const std::int64_t deadline = start + std::int64_t(timeoutMs) * kMs;
    launchPending();
    while (m_ready + m_failed < int(m_clients.size()) && monotonicNs() < deadline) {
        pollOnce(5);
        launchPending();
        // Tens of thousands of clients take longer to connect than a node's
        // client timeout: the first ones must keep talking meanwhile.
        serviceKeepAlive(monotonicNs());
    }
    ConnectResult result;
    result.seconds = double(monotonicNs() - start) / 1e9;
    result.ready = m_ready;
    result.failed = m_failed;
    result.firstError = m_firstError;
    if (m_ready + m_failed < int(m_clients.size()) && result.firstError.empty())
        result.firstError = "timed out after " + std::to_string(timeoutMs) + " ms with "
            + std::to_string(int(m_clients.size()) - m_ready - m_failed)
            + " clients still connecting";
    return result;
}

void LoadDriver::clientReady(BenchClient &client)
{
    --m_inFlight;
    countReady(client, 1);
    m_readyList.push_back(client.index());
    if (m_options.senders <= 0 || client.index() < m_options.senders)
        m_sendList.push_back(client.index());
}

void LoadDriver::clientFailed(BenchClient &client, const std::string &why)
{
    ++m_failed;
    if (m_firstError.empty())
        m_firstError = "client " + std::to_string(client.index()) + ": " + why;
    const auto it = std::find(m_readyList.begin(), m_readyList.end(), client.index());
    if (it != m_readyList.end()) {
        m_readyList.erase(it);
        const auto sending = std::find(m_sendList.begin(), m_sendList.end(), client.index());
        if (sending != m_sendList.end())
            m_sendList.erase(sending);
        countReady(client, -1);
    } else {
        --m_inFlight;
    }
}

void LoadDriver::protocolError(BenchClient &client, std::string_view what)
{
    // Counted as an error; the connection stays.
    ++m_protocolErrors;
    if (m_firstError.empty())
        m_firstError = "client " + std::to_string(client.index()) + " got "
            + std::string(what.substr(0, 200));
}

void LoadDriver::delivery(BenchClient &client, const chatwire::Tag &tag)
{
    const std::int64_t now = monotonicNs();
    m_lastDeliveryNs = now;
    if (tag.seq >= m_sentNs.size() || m_sentNs[tag.seq] != tag.sentNs) {
        ++m_protocolErrors; // a tag this run never sent
        return;
    }
    if (m_sentCell[tag.seq] != cellOf(client)) {
        if (tag.seq >= m_stepFirstSeq)
            ++m_stepUnexpected;
        return;
    }
    auto &seen = m_seen[static_cast<std::size_t>(client.index())];
    const std::size_t word = tag.seq >> 6;
    if (word >= seen.size())
        seen.resize(std::max(word + 1, seen.size() * 2), 0);
    const std::uint64_t bit = std::uint64_t(1) << (tag.seq & 63);
    if (seen[word] & bit) {
        if (tag.seq >= m_stepFirstSeq)
            ++m_stepDuplicated;
        return;
    }
    seen[word] |= bit;
    if (m_windowOpen)
        ++m_windowDelivered;
    if (tag.seq >= m_stepFirstSeq) {
        ++m_stepDelivered;
        m_latency.record(now - tag.sentNs);
    }
}

void LoadDriver::sendOne(std::int64_t nowNs)
{
    if (m_sendList.empty())
        return;
    const int index = m_sendList[m_nextSender++ % m_sendList.size()];
    BenchClient &sender = *m_clients[static_cast<std::size_t>(index)];
    const std::uint64_t seq = m_sentNs.size();
    m_text.clear();
    chatwire::appendTaggedText(m_text, {seq, nowNs}, m_options.textBytes);
    m_sentNs.push_back(nowNs);
    m_sentCell.push_back(static_cast<std::uint32_t>(cellOf(sender)));
    m_stepExpected += expectedFor(sender);
    sender.sendChat(m_text);
}

void LoadDriver::serviceKeepAlive(std::int64_t nowNs)
{
    if (nowNs - m_lastKeepAliveNs < 1000 * kMs)
        return;
    m_lastKeepAliveNs = nowNs;
    for (int index : m_readyList)
        m_clients[static_cast<std::size_t>(index)]->keepAlive(nowNs, kKeepAliveNs);
}

StepResult LoadDriver::runStep(double deliveriesPerSecond, int durationMs, int drainMs)
{
    StepResult result;
    result.targetDeliveriesPerSecond = deliveriesPerSecond;
    const double perSend = fanout();
    const double sendRate = perSend > 0 ? deliveriesPerSecond / perSend : 0;
    result.sendsPerSecond = sendRate;
    const int errorsBefore = m_failed + m_protocolErrors;

    m_stepFirstSeq = m_sentNs.size();
    m_stepExpected = m_stepDelivered = m_stepDuplicated = m_stepUnexpected = 0;
    m_windowDelivered = 0;
    m_latency.reset();

    const std::int64_t start = monotonicNs();
    const std::int64_t end = start + std::int64_t(durationMs) * kMs;
    std::uint64_t sent = 0;
    m_windowOpen = true;
    for (std::int64_t now = start; now < end; now = monotonicNs()) {
        // Message i is due at i / sendRate, the first at once: a step of T
        // seconds sends sendRate * T messages, not one fewer. At a few
        // messages per step (1,000 receivers, 1 s steps) one short was
        // enough to fail the ramp's 95 % rule at every rate.
        const auto due = sendRate > 0
            ? static_cast<std::uint64_t>(sendRate * double(now - start) / 1e9) + 1
            : std::uint64_t(0);
        for (int i = 0; sent < due && i < kMaxSendsPerTick; ++i, ++sent)
            sendOne(now);
        pollOnce(1);
        serviceKeepAlive(now);
    }
    m_windowOpen = false;
    result.seconds = double(monotonicNs() - start) / 1e9;
    result.inWindow = m_windowDelivered;

    const std::int64_t drainEnd = monotonicNs() + std::int64_t(drainMs) * kMs;
    while (m_stepDelivered < m_stepExpected && monotonicNs() < drainEnd)
        pollOnce(2);
    result.drained = m_stepDelivered >= m_stepExpected;
    result.deliveriesPerSecond = double(m_stepDelivered) / result.seconds;
    result.sent = sent;
    result.expected = m_stepExpected;
    result.delivered = m_stepDelivered;
    result.lost = m_stepExpected > m_stepDelivered ? m_stepExpected - m_stepDelivered : 0;
    result.duplicated = m_stepDuplicated;
    result.unexpected = m_stepUnexpected;
    result.clientErrors = m_failed + m_protocolErrors - errorsBefore;
    result.latency = m_latency;
    return result;
}

bool LoadDriver::idle(int ms, int quietMs)
{
    const std::int64_t end = monotonicNs() + std::int64_t(ms) * kMs;
    for (std::int64_t now = monotonicNs(); now < end; now = monotonicNs()) {
        if (quietMs > 0 && now - m_lastDeliveryNs >= std::int64_t(quietMs) * kMs)
            return true;
        pollOnce(quietMs > 0 ? 5 : 100);
        serviceKeepAlive(now);
    }
    return quietMs <= 0;
}

void LoadDriver::pollOnce(int timeoutMs)
{
    epoll_event events[512];
    const int n = ::epoll_wait(m_epfd, events, 512, timeoutMs);
    if (n < 0) {
        if (errno != EINTR)
            std::fprintf(stderr, "farmchat-loadgen: epoll_wait: %s\n", std::strerror(errno));
        return;
    }
    for (int i = 0; i < n; ++i)
        m_clients[static_cast<std::size_t>(events[i].data.u64)]->onEvents(events[i].events);
}

} // namespace farmchat::bench
