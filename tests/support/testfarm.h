#pragma once

#include "client/chatclient.h"
#include "tests/support/testhttp.h"
#include "tests/support/testnode.h"
#include "tests/support/testredisserver.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace farmchat::test {

// One ChatClient of a TestFarm and everything it saw. Texts carry their send
// time ("label @<ns>" on the test's one monotonic clock), so latency needs no
// clock agreement between processes.
struct FarmSeat
{
    int node = 0; // the node it was started on
    std::unique_ptr<ChatClient> client;
    QList<ChatMessage> messages; // in arrival order, History catch-up included
    QHash<QString, int> textCount; // what the client showed: repeated ids already dropped
    // Live deliveries of an id this client had already shown: the node sent
    // a message twice. ChatClient drops them (so textCount never sees them);
    // the fault tests count them as duplicates all the same.
    int duplicatesSuppressed = 0;
    struct Sample
    {
        QString text;
        QString node; // where the sender was
        double us = 0; // receive - send
    };
    QList<Sample> latencies;
    int disconnects = 0; // reconnecting + disconnected
    int resets = 0; // historyReset received
    QStringList sent; // texts the node accepted
    QStringList sentIds; // the ids it gave them
    QStringList failed; // texts whose Send got an error
    QStringList failedErrors; // the error each of them got, in the same order
    int readyMarkers = 0; // markers TestFarm::waitForReaders sent from here
    QStringList warnings; // the text of each deliveryWarning

    bool hasAll(const QSet<QString> &texts) const;
    QStringList textsIn(const QString &room = ChatClient::kLobby) const;
};

// A real farm for integration and fault tests: one private redis-server,
// N farmchat-node processes (FARMCHAT_NODE_BIN), and ChatClients on each,
// with the helpers to drive and check it: send stamped texts, read /health
// and /metrics, switch modes, wait until things settle. Everything stops in
// the destructor (clients first), also when a test fails.
class TestFarm
{
public:
    static constexpr int kWaitMs = 20000;
    static inline const QByteArray kAdminToken = "farm-admin-token-for-tests";

    // Empty when the binaries a farm needs are there, else what is missing
    // and how to get it (tests fail with it in initTestCase).
    static QString missingPrerequisite();

    TestFarm();
    ~TestFarm();
    TestFarm(const TestFarm &) = delete;
    TestFarm &operator=(const TestFarm &) = delete;

    // Set before start():
    QByteArray redisConfig; // extra redis-server config, e.g. appendonly
    quint16 redisPort = 0; // nodes reach Redis here (a LinkProxy); 0: Redis itself
    // Per node, in order: where it reaches Redis (its own LinkProxy); wins over redisPort.
    QList<quint16> nodeRedisPorts;
    bool failover = false; // seats get every node's URL, their own first
    int clientReconnectMaxMs = 500;
    // Nodes find Redis another way (e.g. --redis-sentinel LIST): these
    // arguments replace --redis URL, `redis` is not started, and the
    // Sentinels' password goes to FARMCHAT_SENTINEL_PASSWORD.
    QStringList redisArgs;
    QByteArray sentinelPassword;

    // Starts Redis (unless running), the nodes and clientsPerNode clients on
    // each.
    Result<void> start(const QString &mode, int nodes = 3, int clientsPerNode = 2,
        const QByteArray &password = {}, const QStringList &extraArgs = {});

    FarmSeat &seat(int i) { return *m_seats[std::size_t(i)]; }
    int seats() const { return int(m_seats.size()); }
    TestNode &node(int i) { return *m_nodes[std::size_t(i)]; }
    int nodes() const { return int(m_nodes.size()); }
    QUrl base(int i) const; // http://127.0.0.1:PORT

    QJsonObject health(int i);
    bool redisConnected(int i);
    bool redisConnectedEverywhere();
    HttpReply switchMode(int i, const QString &mode, const QByteArray &token = kAdminToken);
    // A sample from /metrics; `label` like reason="gap"; 0 when absent.
    qint64 metric(int i, const QByteArray &name, const QByteArray &label = {});
    // Every farmchat_ line of node i's /metrics but the histogram buckets.
    QByteArray metricsSummary(int i);

    // Send from seat s; the text is stamped with the send time.
    void send(int s, const QString &label, const QString &room = ChatClient::kLobby);
    // Texts the nodes accepted, from the seats of `node` (-1: all).
    QSet<QString> accepted(int node = -1) const;
    int answered() const; // Send calls answered, with success or an error
    // Texts seat `from` had accepted, starting with `prefix`, that seat `to`
    // never showed in `room`.
    int missedBy(int to, int from, const QString &room, const QString &prefix) const;
    int totalReceived() const;
    // Waits (bounded) until every seat holds every text of `texts`; returns
    // whether they do. Callers count what is still missing themselves.
    bool waitUntilEveryoneHas(const QSet<QString> &texts, int timeoutMs = kWaitMs);
    // Waits until no seat has received anything for quietMs.
    void settle(int quietMs = 1000, int maxMs = kWaitMs);
    // Waits until every node reads `room` from Redis, shown by a marker from
    // seat 0 that reached every seat (every seat must be in `room`). A node
    // that has not yet taken its place would miss it, so a marker goes out
    // every 100 ms until one got everywhere. Markers start with kReadyMarker,
    // are no Send of the test (not in sent/accepted), and tally() and
    // textsIn() leave them out. False after timeoutMs.
    bool waitForReaders(const QString &room = ChatClient::kLobby, int timeoutMs = kWaitMs);
    static inline const QString kReadyMarker = QStringLiteral("readers-in-place ");
    static bool isReadyMarker(const QString &text) { return text.startsWith(kReadyMarker); }

    TestRedisServer redis;

private:
    void addSeat(int node);

    std::vector<std::unique_ptr<TestNode>> m_nodes;
    std::vector<std::unique_ptr<FarmSeat>> m_seats;
};

// Runs the event loop (blocking in poll, so socket events are handled the
// moment they come) until `done` or the timeout; returns done().
bool runUntil(const std::function<bool()> &done, int timeoutMs);
// Nearest-rank percentile, q in 0..1; 0 for no values.
double percentile(QList<double> values, double q);

} // namespace farmchat::test

// Starts a TestFarm (arguments as TestFarm::start) or fails the test with
// the reason.
#define FARMCHAT_START_FARM(farm, ...)                                                             \
    do {                                                                                           \
        const auto farmchatStarted = (farm).start(__VA_ARGS__);                                    \
        QVERIFY2(farmchatStarted.ok(), qPrintable(farmchatStarted.error()));                       \
    } while (false)
