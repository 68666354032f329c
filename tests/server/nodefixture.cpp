#include "tests/server/nodefixture.h"

#include <QTcpSocket>
#include <QTest>

namespace farmchat::test {

NodeConfig testNodeConfig()
{
    NodeConfig config;
    config.port = 0;
    return config;
}

Result<std::unique_ptr<Node>> startTestNode(const NodeConfig &config, BackplaneSwitch::Maker maker)
{
    auto node
        = maker ? std::make_unique<Node>(config, std::move(maker)) : std::make_unique<Node>(config);
    if (const auto started = node->start(); !started)
        return Result<std::unique_ptr<Node>>::failure(started.error().message);
    return node;
}

QByteArray exchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    QTcpSocket socket;
    QByteArray answer;
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { answer += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::connected, &socket, [&] { socket.write(bytes); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    // Timing out is an answer too: whatever arrived is returned.
    (void)QTest::qWaitFor(
        [&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    answer += socket.readAll();
    return answer;
}

} // namespace farmchat::test
