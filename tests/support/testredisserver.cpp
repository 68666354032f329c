#include "tests/support/testredisserver.h"

#include "platform/processguard.h"
#include "tests/support/freeport.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QThread>

namespace farmchat::test {

namespace {

QByteArray encodeCommand(const QList<QByteArray> &arguments)
{
    QByteArray out = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray &a : arguments)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

// Reads one RESP value from the socket, waiting (bounded) for more bytes.
class RespReader
{
public:
    RespReader(QTcpSocket &socket, int timeoutMs) : m_socket(socket), m_timeoutMs(timeoutMs)
    {
        m_clock.start();
    }

    bool read(RedisReply &reply)
    {
        QByteArray line;
        if (!readLine(line) || line.isEmpty())
            return false;
        const char kind = line[0];
        const QByteArray rest = line.mid(1);
        switch (kind) {
        case '+':
            reply.ok = true;
            reply.value = rest;
            return true;
        case '-':
            reply.ok = false;
            reply.error = rest;
            return true;
        case ':':
            reply.ok = true;
            reply.value = rest.toLongLong();
            return true;
        case '$': {
            const qint64 size = rest.toLongLong();
            reply.ok = true;
            if (size < 0) {
                reply.value = QVariant();
                return true;
            }
            QByteArray data;
            if (!readExactly(size + 2, data))
                return false;
            data.chop(2);
            reply.value = data;
            return true;
        }
        case '*': {
            const qint64 count = rest.toLongLong();
            reply.ok = true;
            if (count < 0) {
                reply.value = QVariant();
                return true;
            }
            QVariantList items;
            for (qint64 i = 0; i < count; ++i) {
                RedisReply item;
                if (!read(item))
                    return false;
                items.append(item.ok ? item.value : QVariant(item.error));
            }
            reply.value = items;
            return true;
        }
        default:
            return false;
        }
    }

private:
    bool waitMore()
    {
        const qint64 left = m_timeoutMs - m_clock.elapsed();
        return left > 0 && m_socket.waitForReadyRead(int(left));
    }
    bool readLine(QByteArray &line)
    {
        while (!m_socket.canReadLine()) {
            if (!waitMore())
                return false;
        }
        line = m_socket.readLine();
        line.chop(2);
        return true;
    }
    bool readExactly(qint64 size, QByteArray &data)
    {
        while (m_socket.bytesAvailable() < size) {
            if (!waitMore())
                return false;
        }
        data = m_socket.read(size);
        return true;
    }

    QTcpSocket &m_socket;
    int m_timeoutMs;
    QElapsedTimer m_clock;
};

} // namespace

TestRedisServer::TestRedisServer() : TestRedisServer(randomPassword()) { }

TestRedisServer::TestRedisServer(QByteArray password)
    : m_guard(std::make_unique<ProcessGuard>()), m_password(std::move(password))
{ }

QByteArray TestRedisServer::randomPassword()
{
    const QByteArray alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    QByteArray password;
    for (int i = 0; i < 32; ++i)
        password += alphabet[QRandomGenerator::global()->bounded(int(alphabet.size()))];
    return password;
}

TestRedisServer::~TestRedisServer()
{
    kill();
}

QString TestRedisServer::binaryPath()
{
    const QString fromEnv = qEnvironmentVariable("FARMCHAT_REDIS_SERVER");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::findExecutable(QStringLiteral("redis-server"));
}

Result<void> TestRedisServer::start(const QByteArray &extraConfig)
{
    auto fail = [](const QString &why) { return Result<void>::failure(why); };
    const QString binary = binaryPath();
    if (binary.isEmpty())
        return fail(
            QStringLiteral("redis-server not found: install it (sudo apt-get install redis-server) "
                           "or set FARMCHAT_REDIS_SERVER"));
    if (!extraConfig.isEmpty())
        m_extraConfig = extraConfig;
    if (m_port == 0)
        m_port = findFreePort();
    if (!m_keepDir || !m_dir)
        m_dir = std::make_unique<QTemporaryDir>();
    m_keepDir = false;
    if (!m_dir->isValid())
        return fail(QStringLiteral("cannot create a temp dir for redis-server"));

    const QByteArray config = "port " + QByteArray::number(m_port)
        + "\n"
          "bind 127.0.0.1\n"
          "requirepass "
        + m_password
        + "\n"
          "save \"\"\n"
          "appendonly no\n"
          "dir "
        + m_dir->path().toUtf8()
        + "\n"
          "daemonize no\n"
          "protected-mode yes\n"
          "loglevel warning\n"
        + m_extraConfig + "\n";

    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_guard->prepare(*m_process);
    m_process->start(binary, {QStringLiteral("-")});
    if (!m_process->waitForStarted(5000))
        return fail(QStringLiteral("cannot start %1: %2").arg(binary, m_process->errorString()));
    m_guard->adopt(*m_process);
    m_process->write(config);
    // No event loop runs here: push the config through before closing stdin.
    m_process->waitForBytesWritten(5000);
    m_process->closeWriteChannel();

    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 10000) {
        if (m_process->state() != QProcess::Running)
            return fail(QStringLiteral("redis-server exited: %1")
                            .arg(QString::fromUtf8(m_process->readAll())));
        const RedisReply pong = command({"PING"}, 500);
        if (pong.ok && pong.value.toByteArray() == "PONG")
            return {};
        QThread::msleep(20);
    }
    return fail(
        QStringLiteral("redis-server on port %1 did not answer PING within 10 s").arg(m_port));
}

void TestRedisServer::kill()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

void TestRedisServer::stop()
{
    if (!isRunning())
        return;
    command({"SHUTDOWN", "NOSAVE"}, 2000);
    if (!m_process->waitForFinished(3000))
        kill();
}

Result<void> TestRedisServer::restart()
{
    kill();
    return start();
}

Result<void> TestRedisServer::restartKeepingData()
{
    kill();
    m_keepDir = true;
    return start();
}

bool TestRedisServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QString TestRedisServer::url(int db) const
{
    return QStringLiteral("redis://127.0.0.1:%1/%2").arg(m_port).arg(db);
}

qint64 TestRedisServer::pid() const
{
    return m_process ? m_process->processId() : 0;
}

qint64 TestRedisServer::usedMemory() const
{
    const RedisReply info = command({"INFO", "memory"});
    for (const QByteArray &line : info.value.toByteArray().split('\n')) {
        if (line.startsWith("used_memory:"))
            return line.mid(int(qstrlen("used_memory:"))).trimmed().toLongLong();
    }
    return -1;
}

qint64 TestRedisServer::dbSize() const
{
    const RedisReply reply = command({"DBSIZE"});
    return reply.ok ? reply.value.toLongLong() : -1;
}

bool TestRedisServer::setMaxMemory(qint64 bytes) const
{
    return command({"CONFIG", "SET", "maxmemory", QByteArray::number(bytes)}).ok;
}

RedisReply TestRedisServer::command(const QList<QByteArray> &arguments, int timeoutMs) const
{
    return commandAt(m_port, m_password, arguments, timeoutMs);
}

RedisReply commandAt(
    quint16 port, const QByteArray &password, const QList<QByteArray> &arguments, int timeoutMs)
{
    RedisReply reply;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs)) {
        reply.error = "cannot connect";
        return reply;
    }
    socket.write(encodeCommand({"AUTH", password}) + encodeCommand(arguments));
    RespReader reader(socket, timeoutMs);
    RedisReply auth;
    if (!reader.read(auth) || !auth.ok) {
        reply.error = auth.error.isEmpty() ? QByteArray("no reply to AUTH") : auth.error;
        return reply;
    }
    if (!reader.read(reply) && reply.error.isEmpty())
        reply.error = "no reply";
    return reply;
}

Result<void> startRedisOrExplain(TestRedisServer &server, const QByteArray &extraConfig)
{
    return server.start(extraConfig);
}

QByteArray inlineCommandAfterAuth(
    quint16 port, const QByteArray &password, const QByteArray &command)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(3000))
        return "no connection";
    socket.write("AUTH " + password + "\r\n" + command + "\r\n");
    QByteArray answer;
    for (int i = 0; i < 50 && answer.count("\r\n") < 2; ++i) {
        if (socket.waitForReadyRead(100))
            answer += socket.readAll();
    }
    return answer.mid(answer.indexOf("\r\n") + 2).trimmed(); // the second reply
}

} // namespace farmchat::test
