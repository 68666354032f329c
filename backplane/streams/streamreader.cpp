#include "backplane/streams/streamreader_p.h"

#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamslogging_p.h"
#include "backplane/streams/streamtrim_p.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QPointer>

namespace farmchat {

namespace {

constexpr int kRetryAfterErrorMs = 1000;
constexpr int kWakeRetryMs = 20;
constexpr int kWakeTries = 25; // then the BLOCK timeout bounds the delay
// Entries read this long after Redis added them (by their stream id; Redis
// shares the node's clock, as the lag metric assumes): the reader may have
// fallen behind the trim window, so the next read checks.
constexpr qint64 kLagCheckMs = 1000;

} // namespace

StreamReader::StreamReader(
    Settings settings, RedisConnection &reader, RedisConnection &commands, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_reader(reader)
    , m_commands(commands)
    , m_commandsAlive(&commands)
{
    m_retryTimer.setSingleShot(true);
    m_wakeTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &StreamReader::readNext);
    connect(&m_wakeTimer, &QTimer::timeout, this, &StreamReader::wake);
    connect(&m_reader, &RedisConnection::stateChanged, this, [this](RedisConnection::State state) {
        if (state != RedisConnection::State::Ready)
            onLinkDown();
    });
    connect(&m_reader, &RedisConnection::ready, this, &StreamReader::askClientId);
    if (m_reader.isReady())
        askClientId(); // a link kept from an earlier streams backplane
}

StreamReader::~StreamReader()
{
    if (!m_closed)
        unblockOwnRead();
}

void StreamReader::unblockOwnRead()
{
    // The link outlives us: end our blocked XREAD, or the next reader on this
    // link would wait behind it for up to blockMs.
    if (m_commandsAlive && m_inFlight && m_clientId >= 0 && m_commands.isReady())
        m_commands.command({"CLIENT", "UNBLOCK", QByteArray::number(m_clientId)}, nullptr);
}

void StreamReader::close()
{
    if (m_closed)
        return;
    unblockOwnRead();
    m_closed = true;
    disconnect(&m_reader, nullptr, this, nullptr);
    m_retryTimer.stop();
    m_wakeTimer.stop();
    m_open = false;
    m_lastIds.clear();
    m_accounted.clear();
    m_checkRooms.clear();
    ++m_generation; // the answer to a read in flight is dropped
}

void StreamReader::askClientId()
{
    const QPointer<StreamReader> self(this);
    const int session = m_reader.reconnects();
    m_reader.command({"CLIENT", "ID"}, [self, session](const RedisValue &reply) {
        if (!self)
            return;
        if (reply.isInteger()) {
            self->m_clientId = reply.toInteger();
            return;
        }
        // Past its deadline on a link that stays up (stalled, then flowing
        // again): no ready() asks again, and without the id no new room could
        // wake the blocked XREAD.
        if (reply.isLinkError() && self->m_reader.isReady()
            && self->m_reader.reconnects() == session)
            QTimer::singleShot(kRetryAfterErrorMs, self, [self, session] {
                if (self && !self->m_closed && self->m_reader.isReady()
                    && self->m_reader.reconnects() == session && self->m_clientId < 0)
                    self->askClientId();
            });
    });
}

void StreamReader::onLinkDown()
{
    m_open = false;
    m_inFlight = false; // its callback gets a link error; nothing more comes on that link
    m_clientId = -1;
    m_wasDown = true;
    ++m_generation;
}

void StreamReader::open()
{
    if (m_closed || !m_reader.isReady())
        return;
    m_open = true;
    if (std::exchange(m_wasDown, false)) {
        // The other nodes kept trimming while this link was down.
        for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it)
            m_checkRooms.insert(it.key());
    }
    readNext();
}

void StreamReader::addRoom(const QString &room, const QByteArray &afterId)
{
    if (m_closed)
        return;
    m_lastIds.insert(room, afterId);
    if (afterId == "0-0")
        m_accounted.insert(room, 0);
    else
        m_accounted.remove(room);
    if (needsWake())
        wake();
    else
        readNext();
}

void StreamReader::removeRoom(const QString &room)
{
    m_lastIds.remove(room); // an XREAD in flight may still return it: ignored then
    m_accounted.remove(room);
    m_checkRooms.remove(room);
}

void StreamReader::setAccounted(const QString &room, qint64 entries)
{
    if (m_lastIds.contains(room))
        m_accounted.insert(room, entries);
}

void StreamReader::restartAll()
{
    for (auto it = m_lastIds.begin(); it != m_lastIds.end(); ++it) {
        it.value() = QByteArrayLiteral("0-0");
        m_accounted.insert(it.key(), 0);
    }
    ++m_generation;
    if (needsWake())
        wake();
}

bool StreamReader::needsWake() const
{
    if (!m_inFlight)
        return false;
    if (m_inFlightGeneration != m_generation)
        return true;
    for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
        if (!m_inFlightRooms.contains(it.key()))
            return true;
    }
    return false;
}

void StreamReader::wake()
{
    if (m_waking || !needsWake()) {
        m_wakeTries = 0;
        return;
    }
    if (m_clientId < 0 || !m_commands.isReady())
        return; // the BLOCK timeout will end the read
    m_waking = true;
    const QPointer<StreamReader> self(this);
    m_commands.command(
        {"CLIENT", "UNBLOCK", QByteArray::number(m_clientId)}, [self](const RedisValue &reply) {
            if (!self)
                return;
            self->m_waking = false;
            // 0: the XREAD has not reached Redis yet (two connections race); try again shortly.
            if (reply.isInteger() && reply.toInteger() == 0 && self->needsWake()
                && ++self->m_wakeTries < kWakeTries)
                self->m_wakeTimer.start(kWakeRetryMs);
            else
                self->m_wakeTries = 0;
        });
}

void StreamReader::readNext()
{
    if (!m_open || m_inFlight || m_lastIds.isEmpty() || !m_reader.isReady()
        || m_retryTimer.isActive())
        return;
    QList<QByteArray> keys, ids;
    m_inFlightRooms.clear();
    for (auto it = m_lastIds.cbegin(); it != m_lastIds.cend(); ++it) {
        keys << (m_settings.keyPrefix + it.key()).toUtf8();
        ids << it.value();
        m_inFlightRooms.insert(it.key());
    }
    m_inFlight = true;
    m_inFlightGeneration = m_generation;
    const quint64 generation = m_generation;
    const QPointer<StreamReader> self(this);
    QList<QByteArray> args {"XREAD", "COUNT", QByteArray::number(m_settings.count)};
    if (!m_checkRooms.isEmpty() && !m_trimCheckUnavailable) {
        sendCheckedRead(args << "STREAMS" << keys << ids);
        return;
    }
    m_checkRooms.clear();
    args << "BLOCK" << QByteArray::number(m_settings.blockMs) << "STREAMS" << keys << ids;
    // The deadline is the BLOCK time plus the usual answer time.
    m_reader.command(
        args,
        [self, generation](const RedisValue &reply) {
            if (self)
                self->onReply(generation, reply);
        },
        m_settings.blockMs + m_reader.options().commandTimeoutMs);
}

void StreamReader::sendCheckedRead(const QList<QByteArray> &xread)
{
    // XINFO STREAM and the XREAD in one MULTI: no XADD of another node can
    // trim between the two, so what XINFO says is gone is exactly what this
    // XREAD will not see. (Not blocking: an XREAD in MULTI never blocks.)
    QList<std::pair<QString, QByteArray>> checked; // room, position
    m_reader.command({"MULTI"}, nullptr);
    for (const QString &room : std::exchange(m_checkRooms, {})) {
        if (!m_lastIds.contains(room))
            continue;
        checked.append({room, m_lastIds.value(room)});
        m_reader.command({"XINFO", "STREAM", (m_settings.keyPrefix + room).toUtf8()}, nullptr);
    }
    m_reader.command(xread, nullptr);
    const quint64 generation = m_generation;
    const QPointer<StreamReader> self(this);
    m_reader.command({"EXEC"}, [self, generation, checked](const RedisValue &reply) {
        if (!self)
            return;
        if (!reply.isArray() || reply.elements().size() != checked.size() + 1) {
            for (const auto &[room, position] : checked)
                self->m_checkRooms.insert(room); // asked again with the next read
            self->onReply(generation, reply); // a link error, or EXEC refused: said there
            return;
        }
        // How many entries the XREAD returned per room: it reached the end
        // of a stream when fewer than COUNT. (Unreadable: onReply says so.)
        const RedisValue &xread = reply.elements().last();
        const auto batches = parseXReadReply(xread);
        QHash<QString, qint64> readNow;
        for (const StreamBatch &batch : batches ? batches.value() : QList<StreamBatch>())
            readNow.insert(QString::fromUtf8(batch.key), batch.entries.size());
        for (qsizetype i = 0; batches && i < checked.size(); ++i) {
            const auto &[room, position] = checked[i];
            self->onTrimInfo(room, position, generation, reply.elements()[i],
                readNow.value(self->m_settings.keyPrefix + room, 0));
            if (!self)
                return;
        }
        self->onReply(generation, xread);
    });
}

void StreamReader::onReply(quint64 generation, const RedisValue &reply)
{
    m_inFlight = false;
    if (reply.isLinkError()) {
        // A dropped link reopens on its next ready(); a passed deadline on a
        // live link (Redis slow) is retried after a pause.
        if (m_open)
            m_retryTimer.start(kRetryAfterErrorMs);
        return;
    }
    if (generation != m_generation) {
        readNext(); // rooms restarted meanwhile: this answer is for old positions
        return;
    }
    const auto batches = parseXReadReply(reply);
    if (!batches) {
        qCWarning(lcStreams).noquote() << "XREAD failed:" << batches.error();
        m_retryTimer.start(kRetryAfterErrorMs);
        Q_EMIT readFailed(batches.error());
        return;
    }
    const QPointer<StreamReader> self(this);
    bool stuck = false;
    for (const StreamBatch &batch : batches.value()) {
        const QString key = QString::fromUtf8(batch.key);
        if (!key.startsWith(m_settings.keyPrefix))
            continue;
        const QString room = key.mid(m_settings.keyPrefix.size());
        if (!m_lastIds.contains(room))
            continue; // unwatched while the read was in flight
        QList<StreamEntry> good;
        const QByteArray before = m_lastIds.value(room);
        std::optional<StreamId> last = StreamId::parse(QByteArrayView(before));
        for (const RedisValue &raw : batch.entries) {
            const QByteArray id = StreamEntry::idOf(raw);
            const auto parsedId = StreamId::parse(QByteArrayView(id));
            if (!parsedId || (last && *parsedId <= *last))
                continue; // unreadable id, or not past where we are: nothing to move to
            last = parsedId;
            m_lastIds[room] = id;
            if (const auto accounted = m_accounted.find(room); accounted != m_accounted.end())
                ++accounted.value();
            auto entry = StreamEntry::parse(raw, room);
            if (entry)
                good.append(std::move(entry).value());
            else
                Q_EMIT invalidEntry(room, entry.error());
            if (!self || generation != m_generation)
                return;
        }
        // A backlog, or entries that waited long to reach us (the link was
        // stalled, or we are slow): entries may have been trimmed unread.
        if (batch.entries.size() >= m_settings.count
            || (last && QDateTime::currentMSecsSinceEpoch() - qint64(last->ms) > kLagCheckMs))
            m_checkRooms.insert(room);
        if (!good.isEmpty())
            Q_EMIT entries(room, good);
        if (!self)
            return;
        if (generation != m_generation)
            break;
        if (m_lastIds.value(room) != before)
            Q_EMIT advanced(room, m_lastIds.value(room));
        else if (!batch.entries.isEmpty())
            stuck = true; // entries that do not move us on: asking again would spin
        if (!self)
            return;
    }
    if (stuck) {
        const QString error
            = QStringLiteral("XREAD returned entries that are not past the last id read");
        qCWarning(lcStreams).noquote() << error;
        m_retryTimer.start(kRetryAfterErrorMs);
        Q_EMIT readFailed(error);
        return;
    }
    readNext();
}

void StreamReader::onTrimInfo(const QString &room, const QByteArray &lastId, quint64 generation,
    const RedisValue &reply, qint64 readNow)
{
    // Another position by now (restarted, or removed): this answer is not about it.
    if (generation != m_generation || m_lastIds.value(room) != lastId)
        return;
    if (reply.isLinkError())
        return; // the link's return checks again (onLinkDown)
    if (reply.isError() && reply.errorText().contains(QLatin1String("no such key")))
        return; // no stream (yet, or expired): nothing to trim
    if (reply.isError()) {
        qCWarning(lcStreams).noquote()
            << "XINFO STREAM for room" << room << "failed:" << reply.errorText();
        return;
    }
    const auto info = StreamTrimInfo::parse(reply);
    const auto position = StreamId::parse(QByteArrayView(lastId));
    if (!info || !position) {
        m_trimCheckUnavailable = true;
        qCWarning(lcStreams).noquote()
            << "cannot tell whether entries were trimmed before this node read them:"
            << (info ? QStringLiteral("unreadable position %1").arg(QLatin1String(lastId))
                     : info.error());
        return;
    }
    const StreamTrimInfo::Verdict verdict
        = info->judge(*position, m_accounted.value(room, -1), readNow, readNow < m_settings.count);
    if (verdict.kind == StreamTrimInfo::Verdict::Undecided) {
        m_checkRooms.insert(room); // a backlog still: asked again with the next read
        return;
    }
    if (verdict.kind != StreamTrimInfo::Verdict::Missed)
        return;
    m_accounted.insert(room, verdict.accounted);
    Q_EMIT trimmed(room, lastId, verdict.count, verdict.exact);
}

} // namespace farmchat
