# Optional OpenBLAS addon for sidrec's kernel seam. Built on the machine that runs it, so -march=native is fine;
# `npm run build:native` retries without it (SIDREC_PORTABLE=1) if the compiler rejects it.
{
  "variables": { "portable%": "<!(node -p \"process.env.SIDREC_PORTABLE ? 1 : 0\")" },
  "targets": [
    {
      "target_name": "sidrec_blas",
      "sources": ["src/addon.c", "src/addon_train.c", "src/gemm.c", "src/elementwise.c", "src/train.c", "src/embedding.c", "src/heads.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-fopenmp"],
      "cflags": ["-O3", "-std=c11", "-fopenmp", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "conditions": [["portable==0", { "cflags": ["-march=native"] }]]
    }
  ]
}
