-- Headless Neovim: start `python -m migc.lsp`, attach it to a .mig buffer, and write the first
-- diagnostics it publishes to a JSON file. Works with Neovim 0.7 (no vim.lsp.start there).
local python = os.getenv("MIGC_PYTHON")
local file = os.getenv("MIGC_FILE")
local output = os.getenv("MIGC_OUTPUT")
local received = nil

local client_id = vim.lsp.start_client({
  name = "migc",
  cmd = { python, "-m", "migc.lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
  handlers = {
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
      if result and result.uri == vim.uri_from_fname(file) then
        received = result.diagnostics
      end
      vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
  },
})

vim.cmd("edit " .. vim.fn.fnameescape(file))
vim.bo.filetype = "mig"
vim.lsp.buf_attach_client(0, client_id)

local ok = vim.wait(60000, function() return received ~= nil end, 50)
local codes = {}
for _, diagnostic in ipairs(received or {}) do
  table.insert(codes, { code = diagnostic.code, line = diagnostic.range.start.line, message = diagnostic.message })
end
local shown = #vim.diagnostic.get(0)
vim.fn.writefile({ vim.fn.json_encode({ ok = ok, diagnostics = codes, shown = shown }) }, output)
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
