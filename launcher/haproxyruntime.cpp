#include "launcher/haproxyruntime.h"

#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <utility>

namespace farmchat {

namespace {

// HAProxy answers a refused command with a line of text instead of nothing
// (management guide, "Unix Socket commands"); a good "set server" says
// nothing, a good "add server" or "del server" says so in words.
bool isErrorAnswer(const QString &command, const QString &answer)
{
    const QString text = answer.trimmed();
    if (command.startsWith(u"add server "))
        return !text.startsWith(u"New server registered");
    if (command.startsWith(u"del server "))
        return !text.startsWith(u"Server deleted");
    const bool silentWhenDone = command.startsWith(u"set ") || command.startsWith(u"shutdown ")
        || command.startsWith(u"enable ") || command.startsWith(u"disable ");
    return silentWhenDone && !text.isEmpty();
}

} // namespace

HaproxyRuntime::HaproxyRuntime(QString socketPath, QObject *parent)
    : QObject(parent), m_socketPath(std::move(socketPath))
{ }

HaproxyRuntime::~HaproxyRuntime()
{
    // A socket closed by its destruction may still signal; no answer comes
    // from a runtime that is going (its owner tells the waiting callers).
    for (QLocalSocket *socket : findChildren<QLocalSocket *>(Qt::FindDirectChildrenOnly))
        socket->disconnect();
}

void HaproxyRuntime::send(const QString &command, Done done)
{
    // One socket per command: the API closes after answering a
    // non-interactive command, which marks the end of the answer.
    auto *socket = new QLocalSocket(this);
    auto *timer = new QTimer(socket);
    auto answer = std::make_shared<QByteArray>();
    auto finished = std::make_shared<bool>(false);
    auto finish = [socket, done, finished, command](const Result<QString> &result) {
        if (std::exchange(*finished, true))
            return;
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        done(result);
    };
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, socket, [finish, command] {
        finish(Result<QString>::failure(QStringLiteral("HAProxy did not answer '%1' within %2 ms")
                                            .arg(command)
                                            .arg(kTimeoutMs)));
    });
    connect(socket, &QLocalSocket::connected, socket,
        [socket, command] { socket->write(command.toUtf8() + '\n'); });
    connect(socket, &QLocalSocket::readyRead, socket,
        [socket, answer] { answer->append(socket->readAll()); });
    connect(socket, &QLocalSocket::disconnected, socket, [socket, answer, finish, command] {
        answer->append(socket->readAll());
        const QString text = QString::fromUtf8(*answer);
        if (isErrorAnswer(command, text))
            finish(Result<QString>::failure(
                QStringLiteral("HAProxy refused '%1': %2").arg(command, text.trimmed())));
        else
            finish(text);
    });
    connect(socket, &QLocalSocket::errorOccurred, socket,
        [socket, finish](QLocalSocket::LocalSocketError error) {
            if (error == QLocalSocket::PeerClosedError)
                return; // disconnected() follows with the answer
            finish(Result<QString>::failure(
                QStringLiteral("HAProxy runtime API: %1").arg(socket->errorString())));
        });
    timer->start(kTimeoutMs);
    socket->connectToServer(m_socketPath);
}

Result<QList<LbServerStatus>> HaproxyRuntime::parseServers(
    const QString &showStat, const QString &backend)
{
    using Outcome = Result<QList<LbServerStatus>>;
    const QStringList lines = showStat.split(u'\n', Qt::SkipEmptyParts);
    if (lines.isEmpty() || !lines.first().startsWith(u"# "))
        return Outcome::failure(QStringLiteral("not a 'show stat' answer: %1")
                                    .arg(lines.isEmpty() ? QString() : lines.first().left(80)));
    // The header names the columns; read them by name, as their order is
    // documented but may grow.
    const QStringList header = lines.first().mid(2).split(u',');
    const qsizetype px = header.indexOf(QStringLiteral("pxname"));
    const qsizetype sv = header.indexOf(QStringLiteral("svname"));
    const qsizetype scur = header.indexOf(QStringLiteral("scur"));
    const qsizetype stot = header.indexOf(QStringLiteral("stot"));
    const qsizetype status = header.indexOf(QStringLiteral("status"));
    if (px < 0 || sv < 0 || scur < 0 || stot < 0 || status < 0)
        return Outcome::failure(
            QStringLiteral("'show stat' lacks pxname, svname, scur, stot or status"));
    const qsizetype needed = qMax(qMax(px, sv), qMax(qMax(scur, stot), status)) + 1;
    QList<LbServerStatus> servers;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].split(u',');
        if (cells.size() < needed || cells[px] != backend || cells[sv] == u"BACKEND"
            || cells[sv] == u"FRONTEND")
            continue;
        LbServerStatus server;
        server.name = cells[sv];
        server.status = cells[status];
        server.sessions = cells[scur].toInt();
        server.totalSessions = cells[stot].toLongLong();
        servers << server;
    }
    return servers;
}

} // namespace farmchat
