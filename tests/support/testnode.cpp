#include "tests/support/testnode.h"

#include "platform/processguard.h"

#include <QElapsedTimer>
#include <QRegularExpression>

namespace farmchat::test {

TestNode::TestNode(QStringList arguments, QProcessEnvironment environment)
    : m_arguments(std::move(arguments))
    , m_environment(std::move(environment))
    , m_guard(std::make_unique<ProcessGuard>())
{ }

TestNode::~TestNode()
{
    kill();
}

QString TestNode::binaryPath()
{
    return qEnvironmentVariable("FARMCHAT_NODE_BIN");
}

QString TestNode::aspNetCoreBinaryPath()
{
    return qEnvironmentVariable("FARMCHAT_ASPNETCORE_NODE_BIN");
}

Result<void> TestNode::start(int timeoutMs)
{
    auto fail = [](const QString &why) { return Result<void>::failure(why); };
    const QString binary = m_binary;
    if (binary.isEmpty())
        return fail(
            QStringLiteral("no node binary: FARMCHAT_NODE_BIN (or FARMCHAT_ASPNETCORE_NODE_BIN) "
                           "is not set; run this test through ctest"));
    kill();
    m_output.clear();
    m_port = 0;
    QStringList arguments = m_arguments;
    if (!arguments.contains(QStringLiteral("--port")))
        arguments << QStringLiteral("--port") << QStringLiteral("0");
    m_process = std::make_unique<QProcess>();
    m_process->setProcessEnvironment(m_environment);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_guard->prepare(*m_process);
    m_process->start(binary, arguments);
    if (!m_process->waitForStarted(timeoutMs))
        return fail(QStringLiteral("cannot start %1: %2").arg(binary, m_process->errorString()));
    m_guard->adopt(*m_process);

    static const QRegularExpression listening(
        QStringLiteral("listening http://([^\\s:]+|\\[[^\\]]+\\]):(\\d+)"));
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        if (m_process->state() != QProcess::Running && !m_process->bytesAvailable())
            return fail(QStringLiteral("node exited before listening: %1")
                            .arg(QString::fromUtf8(output())));
        m_process->waitForReadyRead(50);
        output();
        const auto match = listening.match(QString::fromUtf8(m_output));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(2).toUInt());
            return {};
        }
    }
    return fail(QStringLiteral("node did not print its listening line within %1 ms: %2")
                    .arg(timeoutMs)
                    .arg(QString::fromUtf8(m_output)));
}

bool TestNode::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QUrl TestNode::url(const QString &path) const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(path);
    return url;
}

qint64 TestNode::pid() const
{
    return m_process ? m_process->processId() : 0;
}

void TestNode::terminate()
{
    if (isRunning())
        m_process->terminate();
}

void TestNode::kill()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

bool TestNode::waitForExit(int timeoutMs)
{
    if (!m_process)
        return true;
    return m_process->state() == QProcess::NotRunning || m_process->waitForFinished(timeoutMs);
}

int TestNode::exitCode() const
{
    return m_process ? m_process->exitCode() : -1;
}

QProcess::ExitStatus TestNode::exitStatus() const
{
    return m_process ? m_process->exitStatus() : QProcess::CrashExit;
}

QByteArray TestNode::output()
{
    if (m_process)
        m_output += m_process->readAll();
    return m_output;
}

} // namespace farmchat::test
