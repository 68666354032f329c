#include "tests/support/testfarm.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QTest>
#include <QTimer>

#include <algorithm>

namespace farmchat::test {

namespace {

// The clients' clock: one monotonic clock in this process for send and
// receive, so latency needs no clock agreement (texts carry the send time).
QElapsedTimer &testClock()
{
    static QElapsedTimer clock;
    if (!clock.isValid())
        clock.start();
    return clock;
}

QString stamped(const QString &label)
{
    return QStringLiteral("%1 @%2").arg(label).arg(testClock().nsecsElapsed());
}

} // namespace

bool FarmSeat::hasAll(const QSet<QString> &texts) const
{
    return std::all_of(
        texts.cbegin(), texts.cend(), [this](const QString &t) { return textCount.contains(t); });
}

QStringList FarmSeat::textsIn(const QString &room) const
{
    QStringList out;
    for (const ChatMessage &m : messages) {
        if (m.room == room && !TestFarm::isReadyMarker(m.text))
            out << m.text;
    }
    return out;
}

QString TestFarm::missingPrerequisite()
{
    if (TestNode::binaryPath().isEmpty())
        return QStringLiteral("FARMCHAT_NODE_BIN is not set: run this test through ctest");
    if (TestRedisServer::binaryPath().isEmpty())
        return QStringLiteral("redis-server not found: sudo apt-get install redis-server");
    return {};
}

TestFarm::TestFarm() = default;

TestFarm::~TestFarm()
{
    m_seats.clear(); // clients before their nodes
    m_nodes.clear();
}

Result<void> TestFarm::start(const QString &mode, int nodes, int clientsPerNode,
    const QByteArray &password, const QStringList &extraArgs)
{
    if (redisArgs.isEmpty() && !redis.isRunning()) {
        if (const auto started = redis.start(redisConfig); !started)
            return started;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FARMCHAT_REDIS_PASSWORD"),
        QString::fromLatin1(password.isEmpty() ? redis.password() : password));
    env.insert(QStringLiteral("FARMCHAT_ADMIN_TOKEN"), QString::fromLatin1(kAdminToken));
    if (!sentinelPassword.isEmpty())
        env.insert(
            QStringLiteral("FARMCHAT_SENTINEL_PASSWORD"), QString::fromLatin1(sentinelPassword));
    const QString redisUrl
        = redisPort == 0 ? redis.url() : QStringLiteral("redis://127.0.0.1:%1/0").arg(redisPort);
    for (int i = 0; i < nodes; ++i) {
        QStringList args {QStringLiteral("--node-id"), QStringLiteral("node-%1").arg(i)};
        if (!redisArgs.isEmpty())
            args << redisArgs;
        else if (i < nodeRedisPorts.size())
            args << QStringLiteral("--redis")
                 << QStringLiteral("redis://127.0.0.1:%1/0").arg(nodeRedisPorts[i]);
        else
            args << QStringLiteral("--redis") << redisUrl;
        args << QStringLiteral("--backplane") << mode;
        args << extraArgs;
        auto node = std::make_unique<TestNode>(args, env);
        if (const auto started = node->start(); !started)
            return Result<void>::failure(QStringLiteral("node %1: %2").arg(i).arg(started.error()));
        m_nodes.push_back(std::move(node));
    }
    for (int i = 0; i < nodes; ++i) {
        for (int c = 0; c < clientsPerNode; ++c)
            addSeat(i);
    }
    const bool up = QTest::qWaitFor(
        [this] {
            return std::all_of(m_seats.begin(), m_seats.end(),
                [](const auto &s) { return s->client->isConnected(); });
        },
        kWaitMs);
    if (!up)
        return Result<void>::failure(QStringLiteral("clients did not connect"));
    return {};
}

QUrl TestFarm::base(int i) const
{
    QUrl url = m_nodes[std::size_t(i)]->url();
    url.setPath(QString());
    return url;
}

QJsonObject TestFarm::health(int i)
{
    const HttpReply reply
        = httpRequest("GET", m_nodes[std::size_t(i)]->url(QStringLiteral("/health")), {}, {}, 2000);
    return QJsonDocument::fromJson(reply.body).object();
}

bool TestFarm::redisConnected(int i)
{
    return health(i).value(u"redisConnected").toBool();
}

bool TestFarm::redisConnectedEverywhere()
{
    for (int i = 0; i < nodes(); ++i) {
        if (!redisConnected(i))
            return false;
    }
    return true;
}

HttpReply TestFarm::switchMode(int i, const QString &mode, const QByteArray &token)
{
    return httpRequest("PUT", m_nodes[std::size_t(i)]->url(QStringLiteral("/admin/backplane")),
        QJsonDocument(QJsonObject {{QStringLiteral("mode"), mode}}).toJson(),
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
}

qint64 TestFarm::metric(int i, const QByteArray &name, const QByteArray &label)
{
    return labelledMetric(m_nodes[std::size_t(i)]->url(QStringLiteral("/metrics")), name, label);
}

QByteArray TestFarm::metricsSummary(int i)
{
    const HttpReply reply
        = httpRequest("GET", m_nodes[std::size_t(i)]->url(QStringLiteral("/metrics")));
    QByteArray out;
    for (const QByteArray &line : reply.body.split('\n')) {
        if (line.startsWith("farmchat_") && !line.contains("_bucket{"))
            out += line + '\n';
    }
    return out;
}

void TestFarm::send(int s, const QString &label, const QString &room)
{
    FarmSeat *seat = m_seats[std::size_t(s)].get();
    const QString text = stamped(label);
    seat->client->send(text, room, [seat, text](const Result<QString> &id) {
        if (id) {
            seat->sent << text;
            seat->sentIds << id.value();
        } else {
            seat->failed << text;
            seat->failedErrors << id.error();
        }
    });
}

QSet<QString> TestFarm::accepted(int node) const
{
    QSet<QString> out;
    for (const auto &s : m_seats) {
        if (node < 0 || s->node == node)
            out.unite(QSet<QString>(s->sent.begin(), s->sent.end()));
    }
    return out;
}

int TestFarm::missedBy(int to, int from, const QString &room, const QString &prefix) const
{
    const QStringList got = m_seats[std::size_t(to)]->textsIn(room);
    const QSet<QString> have(got.cbegin(), got.cend());
    int missed = 0;
    for (const QString &text : m_seats[std::size_t(from)]->sent)
        missed += text.startsWith(prefix) && !have.contains(text) ? 1 : 0;
    return missed;
}

int TestFarm::answered() const
{
    int count = 0;
    for (const auto &s : m_seats)
        count += int(s->sent.size() + s->failed.size());
    return count;
}

int TestFarm::totalReceived() const
{
    int count = 0;
    for (const auto &s : m_seats)
        count += int(s->messages.size());
    return count;
}

bool TestFarm::waitUntilEveryoneHas(const QSet<QString> &texts, int timeoutMs)
{
    return runUntil(
        [&] {
            for (const auto &seat : m_seats) {
                if (!seat->hasAll(texts))
                    return false;
            }
            return true;
        },
        timeoutMs);
}

void TestFarm::settle(int quietMs, int maxMs)
{
    QElapsedTimer clock;
    clock.start();
    int lastCount = -1;
    QElapsedTimer quiet;
    quiet.start();
    while (clock.elapsed() < maxMs) {
        const int count = totalReceived();
        if (count != lastCount) {
            lastCount = count;
            quiet.restart();
        } else if (quiet.elapsed() >= quietMs) {
            return;
        }
        QTest::qWait(50);
    }
}

bool TestFarm::waitForReaders(const QString &room, int timeoutMs)
{
    QStringList markers;
    QElapsedTimer clock;
    clock.start();
    const auto everywhere = [this](const QString &text) {
        return std::all_of(m_seats.cbegin(), m_seats.cend(),
            [&text](const auto &seat) { return seat->textCount.contains(text); });
    };
    return runUntil(
        [&] {
            if (std::any_of(markers.cbegin(), markers.cend(), everywhere))
                return true;
            if (qint64(markers.size()) * 100 <= clock.elapsed()) {
                markers << kReadyMarker + room + u' ' + QString::number(markers.size());
                m_seats.front()->client->send(markers.last(), room);
                ++m_seats.front()->readyMarkers;
            }
            return false;
        },
        timeoutMs);
}

void TestFarm::addSeat(int node)
{
    auto seat = std::make_unique<FarmSeat>();
    seat->node = node;
    ChatClientOptions options;
    options.hub.reconnect.firstDelayMs = 100;
    options.hub.reconnect.maxDelayMs = clientReconnectMaxMs;
    QList<QUrl> urls {base(node)};
    if (failover) {
        for (int k = 1; k < nodes(); ++k)
            urls << base((node + k) % nodes());
    }
    seat->client = std::make_unique<ChatClient>(urls, options);
    FarmSeat *raw = seat.get();
    ChatClient *client = raw->client.get();
    QObject::connect(
        client, &ChatClient::messageReceived, client, [raw](const ChatMessage &m, bool) {
            const qint64 now = testClock().nsecsElapsed();
            raw->messages.append(m);
            ++raw->textCount[m.text];
            const qsizetype at = m.text.lastIndexOf(u'@');
            bool ok = false;
            const qint64 sentNs = at < 0 ? 0 : m.text.mid(at + 1).toLongLong(&ok);
            if (ok)
                raw->latencies.append({m.text, m.node, double(now - sentNs) / 1000.0});
        });
    QObject::connect(
        &client->connection(), &HubConnection::reconnecting, client, [raw] { ++raw->disconnects; });
    QObject::connect(
        &client->connection(), &HubConnection::disconnected, client, [raw] { ++raw->disconnects; });
    QObject::connect(
        client, &ChatClient::duplicateSuppressed, client, [raw] { ++raw->duplicatesSuppressed; });
    QObject::connect(client, &ChatClient::deliveryWarning, client,
        [raw](const QString &, const QString &text) { raw->warnings << text; });
    QObject::connect(client, &ChatClient::historyReset, client, [raw] { ++raw->resets; });
    client->setName(QStringLiteral("seat%1").arg(m_seats.size()));
    client->start();
    m_seats.push_back(std::move(seat));
}

bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    check.start(50);
    loop.exec();
    return done();
}

double percentile(QList<double> values, double q)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min<qsizetype>(values.size() - 1, qsizetype(q * double(values.size())))];
}

} // namespace farmchat::test
