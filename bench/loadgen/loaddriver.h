#pragma once

#include "bench/loadgen/benchclient.h"
#include "bench/loadgen/latencyhistogram.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// Drives many BenchClients from one epoll loop: connects them, sends tagged
// chat messages at a fixed aggregate delivery rate, and accounts every
// delivery per (message, receiver): latency, lost, duplicated, unexpected.
// farmchat-loadgen's run / ramp / connect / idle modes are built on it.
namespace farmchat::bench {

struct DriverOptions
{
    WireKind kind = WireKind::SignalR;
    std::vector<Endpoint> endpoints;
    int clients = 0;
    bool negotiate = false;
    int connectConcurrency = 256;
    std::size_t textBytes = 64;
    // true: a message reaches only the clients of the sender's node (backplane off).
    bool expectSameNodeOnly = false;
    std::string room = "bench";
    // > 1: client i joins "<room>-<(i / endpoints) % rooms>" instead, so the
    // clients of a room sit on every node, and a message is expected by the
    // clients of the sender's room only.
    int rooms = 1;
    // > 0: only clients 0 .. senders-1 send (with rooms, one room each while
    // senders <= rooms); the others only receive.
    int senders = 0;
    // > 1: client i connects from 127.0.0.(1 + i % sourceAddresses).
    int sourceAddresses = 1;
};

struct ConnectResult
{
    int ready = 0;
    int failed = 0;
    double seconds = 0;
    std::string firstError;
};

struct StepResult
{
    double targetDeliveriesPerSecond = 0;
    double sendsPerSecond = 0;
    double seconds = 0;
    std::uint64_t sent = 0;
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0; // unique deliveries of this step's messages
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t unexpected = 0;
    std::uint64_t inWindow = 0; // unique deliveries that arrived while sending
    // delivered / seconds: the step's messages leave at an exact rate, so this
    // is the rate the farm kept up with when drained (a count of arrivals in
    // the window would miss a whole message's fan-out at low send rates).
    double deliveriesPerSecond = 0;
    bool drained = false;
    int clientErrors = 0;
    LatencyHistogram latency;
};

class LoadDriver : public ClientListener
{
public:
    explicit LoadDriver(DriverOptions options);
    ~LoadDriver();
    LoadDriver(const LoadDriver &) = delete;
    LoadDriver &operator=(const LoadDriver &) = delete;

    // Opens every client, at most connectConcurrency in flight at once.
    ConnectResult connectAll(int timeoutMs);
    // Sends for durationMs at the rate that yields deliveriesPerSecond, then
    // waits up to drainMs for the outstanding deliveries.
    StepResult runStep(double deliveriesPerSecond, int durationMs, int drainMs);
    // Keeps connections serviced (pings) for ms, or until quiet for quietMs
    // when quietMs > 0; returns true when quiet was reached.
    bool idle(int ms, int quietMs = 0);
    void closeAll();

    int readyCount() const { return m_ready; }
    int failedCount() const { return m_failed; }
    int protocolErrors() const { return m_protocolErrors; }
    // Mean receivers per message with the current ready clients.
    double fanout() const;
    const std::string &firstError() const { return m_firstError; }

    void clientReady(BenchClient &client) override;
    void clientFailed(BenchClient &client, const std::string &why) override;
    void delivery(BenchClient &client, const chatwire::Tag &tag) override;
    void protocolError(BenchClient &client, std::string_view what) override;

private:
    void pollOnce(int timeoutMs);
    void launchPending();
    void sendOne(std::int64_t nowNs);
    void serviceKeepAlive(std::int64_t nowNs);
    std::uint64_t expectedFor(const BenchClient &sender) const;
    // Who must get a message of `client`'s: its room, and with
    // expectSameNodeOnly its node too.
    std::size_t cellOf(const BenchClient &client) const;
    void countReady(const BenchClient &client, int delta);

    DriverOptions m_options;
    int m_epfd = -1;
    std::vector<std::unique_ptr<BenchClient>> m_clients;
    std::vector<std::vector<std::uint64_t>> m_seen; // per client: bit per message seq
    std::vector<int> m_roomOf; // per client: its room's index
    std::vector<int> m_cellReady; // per cellOf(): ready clients
    int m_nextToLaunch = 0;
    int m_inFlight = 0;
    int m_ready = 0;
    int m_failed = 0;
    int m_protocolErrors = 0;
    std::string m_firstError;
    std::size_t m_nextSender = 0;
    std::vector<int> m_readyList;
    std::vector<int> m_sendList; // the ready clients that send
    std::string m_text;
    std::int64_t m_lastKeepAliveNs = 0;

    // Per message: send time and the sender's cell.
    std::vector<std::int64_t> m_sentNs;
    std::vector<std::uint32_t> m_sentCell;

    // Accounting of the current step.
    std::uint64_t m_stepFirstSeq = 0;
    std::uint64_t m_stepExpected = 0;
    std::uint64_t m_stepDelivered = 0;
    std::uint64_t m_stepDuplicated = 0;
    std::uint64_t m_stepUnexpected = 0;
    std::uint64_t m_windowDelivered = 0;
    bool m_windowOpen = false;
    std::int64_t m_lastDeliveryNs = 0;
    LatencyHistogram m_latency;
};

} // namespace farmchat::bench
