#pragma once

#include "bench/loadgen/wsframe.h"
#include "core/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// The physical reference line of the benchmark: the least a WebSocket chat
// server must do (accept, upgrade, unmask, broadcast each text message to
// every client) in one epoll thread, no protocol, no rooms. Run as
// `farmchat-loadgen serve`; what it sustains is what this machine can do.
namespace farmchat::bench {

class FanoutServer
{
public:
    FanoutServer() = default;
    ~FanoutServer();
    FanoutServer(const FanoutServer &) = delete;
    FanoutServer &operator=(const FanoutServer &) = delete;

    // Binds 127.0.0.1:port (0 = any free): ok, or why not.
    Result<void> listen(std::uint16_t port);
    std::uint16_t port() const { return m_port; }
    // Serves until SIGTERM/SIGINT; returns the exit status.
    int exec();

private:
    struct Connection
    {
        int fd = -1;
        bool upgraded = false;
        bool dirty = false;
        bool wantWrite = false;
        std::string in;
        std::string out;
        std::size_t outPos = 0;
        WsFrameParser parser {true};
    };

    void accept();
    void onReadable(std::size_t slot);
    void handleHttp(Connection &c, std::size_t slot);
    void handleFrames(Connection &c, std::size_t slot);
    void broadcast(std::string_view text);
    void flush(Connection &c, std::size_t slot);
    void drop(std::size_t slot);

    int m_epfd = -1;
    int m_listenFd = -1;
    int m_signalFd = -1;
    std::uint16_t m_port = 0;
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::vector<std::size_t> m_upgraded;
    std::vector<std::size_t> m_dirty;
    std::string m_frame;
    WsMessage m_message;
};

} // namespace farmchat::bench
