#include "app/sentinelwatch.h"

#include "launcher/farmsupervisor.h"
#include "launcher/redisinstance.h"
#include "launcher/sentinelgroup.h"
#include "redis/redisconnection.h"
#include "redis/redisvalue.h"

#include <map>

namespace farmchat {

struct SentinelWatch::Link
{
    std::unique_ptr<RedisConnection> connection;
    bool reachable = false;
    quint16 primary = 0;
    QString quorum; // what CKQUORUM said, or why the Sentinel does not answer
};

SentinelWatch::SentinelWatch(FarmSupervisor &farm, QObject *parent) : QObject(parent), m_farm(farm)
{
    m_timer.setInterval(kPollMs);
    connect(&m_timer, &QTimer::timeout, this, &SentinelWatch::poll);
    connect(&farm, &FarmSupervisor::stateChanged, this, [this](FarmState state) {
        if (state == FarmState::Running)
            begin();
        else
            end();
    });
}

SentinelWatch::~SentinelWatch() = default;

void SentinelWatch::begin()
{
    end();
    const SentinelGroup *group = m_farm.sentinels();
    if (!group)
        return;
    m_masterName = group->masterName().toUtf8();
    for (int i = 0; i < group->sentinelCount(); ++i) {
        RedisConnectionOptions options;
        options.url.host = QStringLiteral("127.0.0.1");
        options.url.port = group->sentinelPort(i);
        options.password = group->sentinelPassword();
        options.passwordSource = QStringLiteral("the Sentinel password");
        options.clientName = QStringLiteral("farmchat:app");
        options.connectTimeoutMs = 1000;
        options.commandTimeoutMs = 1000;
        options.probeIdleMs = 1000;
        options.probeTimeoutMs = 1000;
        // A Sentinel restarted after a kill is seen again within a second.
        options.backoff = Backoff {.firstDelayMs = 100, .maxDelayMs = 1000, .jitter = 0.2};
        auto link = std::make_unique<Link>();
        link->connection = std::make_unique<RedisConnection>(options);
        link->connection->start();
        m_links.push_back(std::move(link));
    }
    m_timer.start();
    poll();
    Q_EMIT changed();
}

void SentinelWatch::end()
{
    m_timer.stop();
    if (m_links.empty())
        return;
    m_links.clear();
    Q_EMIT changed();
}

void SentinelWatch::poll()
{
    for (const auto &link : m_links) {
        RedisConnection &c = *link->connection;
        if (!c.isReady()) {
            const QString why = c.lastError().isEmpty() ? tr("not answering") : c.lastError();
            update(*link, false, link->primary, why);
        } else if (c.pendingCommands() == 0) {
            ask(*link);
        }
    }
}

void SentinelWatch::ask(Link &link)
{
    Link *l = &link;
    link.connection->command(
        {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", m_masterName}, [this, l](const RedisValue &reply) {
            if (reply.isLinkError())
                return update(*l, false, l->primary, reply.errorText());
            const QList<RedisValue> &address = reply.elements();
            const quint16 port = address.size() == 2 ? quint16(address[1].bytes().toUInt()) : 0;
            update(*l, true, port, l->quorum);
        });
    link.connection->command(
        {"SENTINEL", "CKQUORUM", m_masterName}, [this, l](const RedisValue &reply) {
            if (reply.isLinkError())
                return update(*l, false, l->primary, reply.errorText());
            update(*l, true, l->primary,
                reply.isError() ? reply.errorText() : QString::fromUtf8(reply.bytes()));
        });
}

void SentinelWatch::update(Link &link, bool reachable, quint16 primary, const QString &quorum)
{
    if (link.reachable == reachable && link.primary == primary && link.quorum == quorum)
        return;
    link.reachable = reachable;
    link.primary = primary;
    link.quorum = quorum;
    Q_EMIT changed();
}

quint16 SentinelWatch::primaryPort() const
{
    std::map<quint16, int> votes;
    for (const auto &link : m_links) {
        if (link->reachable && link->primary != 0)
            ++votes[link->primary];
    }
    quint16 best = 0;
    int most = 0;
    for (const auto &[port, count] : votes) {
        if (count > most) {
            best = port;
            most = count;
        }
    }
    return best;
}

bool SentinelWatch::hasQuorum() const
{
    for (const auto &link : m_links) {
        if (link->reachable && link->quorum.startsWith(u"OK"))
            return true;
    }
    return false;
}

QString SentinelWatch::quorumText() const
{
    QString answer;
    for (const auto &link : m_links) {
        if (link->reachable && (answer.isEmpty() || link->quorum.startsWith(u"OK")))
            answer = link->quorum;
    }
    return answer.isEmpty() && !m_links.empty() ? tr("no Sentinel answers") : answer;
}

int SentinelWatch::serverProcess(int server) const
{
    const SentinelGroup *group = m_farm.sentinels();
    if (!group || !m_farm.redis() || server < 0 || server >= kServers)
        return -1;
    return m_farm.indexOf(server == 0 ? m_farm.redis()->process() : group->replica()->process());
}

quint16 SentinelWatch::serverPort(int server) const
{
    const SentinelGroup *group = m_farm.sentinels();
    if (!group || !m_farm.redis() || server < 0 || server >= kServers)
        return 0;
    return server == 0 ? m_farm.redis()->port() : group->replica()->port();
}

int SentinelWatch::primaryServer() const
{
    const quint16 primary = primaryPort();
    for (int server = 0; primary != 0 && server < kServers; ++server) {
        if (serverPort(server) == primary)
            return server;
    }
    return -1;
}

int SentinelWatch::sentinelProcess(int sentinel) const
{
    const SentinelGroup *group = m_farm.sentinels();
    if (!group || sentinel < 0 || sentinel >= group->sentinelCount())
        return -1;
    return m_farm.indexOf(group->sentinelProcess(sentinel));
}

bool SentinelWatch::isReachable(int sentinel) const
{
    return sentinel >= 0 && sentinel < sentinelCount() && m_links[size_t(sentinel)]->reachable;
}

void SentinelWatch::forceFailover()
{
    for (const auto &link : m_links) {
        if (!link->reachable || !link->connection->isReady())
            continue;
        link->connection->command(
            {"SENTINEL", "FAILOVER", m_masterName}, [this](const RedisValue &reply) {
                if (reply.isError())
                    return Q_EMIT failoverFinished(Result<void>::failure(reply.errorText()));
                Q_EMIT failoverFinished(Result<void>());
            });
        return;
    }
    Q_EMIT failoverFinished(Result<void>::failure(tr("no Sentinel answers")));
}

} // namespace farmchat
